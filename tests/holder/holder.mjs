// A test wallet on the OpenID4VC TypeScript libraries (@openid4vc/openid4vci, @openid4vc/openid4vp,
// @sd-jwt/sd-jwt-vc): it receives a credential from mcvc serve and presents it to mcvc request.
// Only the key handling (node:crypto) is ours; the protocol steps are the libraries'.
//
//   node holder.mjs receive STATE.json OFFER_LINK [TX_CODE] [CONFIGURATION_ID] [dpop] [PROVIDER.json [attestation]]
//   node holder.mjs present STATE.json REQUEST_LINK VERIFIER_JWK_JSON [HIDE_CLAIM]
//   node holder.mjs sd-verify SD_JWT ISSUER_JWK_JSON [NONCE AUDIENCE]   (@sd-jwt verifies mcvc's)
//   node holder.mjs sd-issue CLAIMS.json ISSUER_PRIVATE_JWK_JSON KID HOLDER_JWK_JSON  (and the reverse)
// Prints one JSON object on stdout.
import crypto from 'node:crypto'
import fs from 'node:fs'

import { clientAuthenticationAnonymous, setGlobalConfig } from '@openid4vc/oauth2'
import { Openid4vciClient } from '@openid4vc/openid4vci'
import { Openid4vpClient } from '@openid4vc/openid4vp'
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'

// the tests' service listens on http://127.0.0.1; a real wallet keeps the https-only default
setGlobalConfig({ allowInsecureUrls: true })

const b64u = (buf) => Buffer.from(buf).toString('base64url')

function hash(data, alg) {
  const name = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' }[alg] ?? alg
  return new Uint8Array(crypto.createHash(name).update(data).digest())
}

function signerFor(privateJwk) {
  const key = crypto.createPrivateKey({ key: privateJwk, format: 'jwk' })
  return (input) => b64u(crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }))
}

function publicOf(jwk) {
  const { kty, crv, x, y } = jwk
  return { kty, crv, x, y }
}

async function signJwt(privateJwk, header, payload) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`
  return { jwt: `${input}.${signerFor(privateJwk)(input)}`, signerJwk: publicOf(privateJwk) }
}

function callbacks(state, verifierJwk) {
  return {
    fetch,
    hash,
    generateRandom: (n) => new Uint8Array(crypto.randomBytes(n)),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: (_signer, { header, payload }) => signJwt(state.privateJwk, header, payload),
    verifyJwt: (signer, { compact }) => {
      // the verifier's key comes to this test wallet out of band (its did:key); a real wallet
      // resolves the DID named by the request object's kid, or validates the x5c chain up to
      // its relying-party trust anchors. Here an x5c leaf must hold that same key.
      const [h, p, s] = compact.split('.')
      let key = crypto.createPublicKey({ key: verifierJwk, format: 'jwk' })
      if (signer.method === 'x5c') {
        const leaf = new crypto.X509Certificate(Buffer.from(signer.x5c[0], 'base64')).publicKey
        if (!leaf.equals(key)) return { verified: false }
        key = leaf
      }
      const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))
      return ok ? { verified: true, signerJwk: verifierJwk } : { verified: false }
    },
    getX509CertificateMetadata: (certificate) => {
      const names = new crypto.X509Certificate(Buffer.from(certificate, 'base64')).subjectAltName ?? ''
      const of = (kind) => names.split(', ').filter((n) => n.startsWith(`${kind}:`)).map((n) => n.slice(kind.length + 1))
      return { sanDnsNames: of('DNS'), sanUriNames: of('URI') }
    },
    decryptJwe: () => { throw new Error('no decryption') },
    encryptJwe,
  }
}

// JWE ECDH-ES (direct key agreement) with A128GCM or A256GCM, RFC 7518 sections 4.6 and 5.3,
// for direct_post.jwt: the library picks key, enc, apu and apv; this does the cryptography
function concatKdf(z, enc, apu, apv, bits) {
  const part = (buf) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(buf.length)
    return Buffer.concat([len, buf])
  }
  const info = Buffer.concat([
    part(Buffer.from(enc)),
    part(apu ? Buffer.from(apu, 'base64url') : Buffer.alloc(0)),
    part(apv ? Buffer.from(apv, 'base64url') : Buffer.alloc(0)),
    Buffer.from([0, 0, (bits >> 8) & 0xff, bits & 0xff]),
  ])
  const digest = crypto.createHash('sha256').update(Buffer.from([0, 0, 0, 1])).update(z).update(info).digest()
  return digest.subarray(0, bits / 8)
}

function encryptJwe(encryptor, plaintext) {
  const { publicJwk, alg, enc, apu, apv } = encryptor
  if (alg !== 'ECDH-ES' || !['A128GCM', 'A256GCM'].includes(enc)) throw new Error(`cannot encrypt with ${alg} ${enc}`)
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: publicJwk.crv })
  const recipient = crypto.createPublicKey({ key: publicOf(publicJwk), format: 'jwk' })
  const z = crypto.diffieHellman({ privateKey, publicKey: recipient })
  const bits = enc === 'A128GCM' ? 128 : 256
  const cek = concatKdf(z, enc, apu, apv, bits)
  const header = { alg, enc, epk: publicOf(publicKey.export({ format: 'jwk' })) }
  if (publicJwk.kid) header.kid = publicJwk.kid
  if (apu) header.apu = apu
  if (apv) header.apv = apv
  const protectedHeader = b64u(JSON.stringify(header))
  const iv = crypto.randomBytes(12)
  const cipher = crypto.createCipheriv(`aes-${bits}-gcm`, cek, iv)
  cipher.setAAD(Buffer.from(protectedHeader, 'ascii'))
  const text = Buffer.concat([cipher.update(Buffer.from(plaintext, 'utf8')), cipher.final()])
  const jwe = `${protectedHeader}..${b64u(iv)}.${b64u(text)}.${b64u(cipher.getAuthTag())}`
  return { jwe, encryptionJwk: publicJwk }
}

// A key attestation as a wallet provider makes it (OpenID4VCI 1.0 appendix D): the test gives
// the provider's key and certificate chain; the library carries it in the key proof's header.
async function keyAttestation(providerPath, attestedJwk, nonce) {
  const provider = JSON.parse(fs.readFileSync(providerPath, 'utf8'))
  const now = Math.floor(Date.now() / 1000)
  const header = { typ: 'key-attestation+jwt', alg: 'ES256', x5c: provider.x5c }
  const payload = {
    iss: 'https://wallet-provider.test',
    iat: now,
    exp: now + 3600,
    attested_keys: [attestedJwk],
    key_storage: ['iso_18045_high'],
    user_authentication: ['iso_18045_moderate'],
    nonce,
  }
  return (await signJwt(provider.privateJwk, header, payload)).jwt
}

async function receive(statePath, offerLink, txCode, configurationId, useDpop, providerPath, proofType) {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const state = { privateJwk: privateKey.export({ format: 'jwk' }) }
  const client = new Openid4vciClient({ callbacks: callbacks(state) })
  const credentialOffer = await client.resolveCredentialOffer(offerLink)
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
  // DPoP (RFC 9449) with the wallet's key, when asked: the library makes a proof per request
  let dpop = useDpop === 'dpop'
    ? { signer: { method: 'jwk', alg: 'ES256', publicJwk: publicOf(state.privateJwk) } }
    : undefined
  const { accessTokenResponse, dpop: tokenDpop } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer,
    issuerMetadata,
    txCode: txCode || undefined,
    dpop,
  })
  if (dpop) dpop = tokenDpop ?? dpop
  const credentialConfigurationId = configurationId || credentialOffer.credential_configuration_ids[0]
  const { c_nonce } = await client.requestNonce({ issuerMetadata })
  const keyAttestationJwt = providerPath
    ? await keyAttestation(providerPath, publicOf(state.privateJwk), c_nonce)
    : undefined
  let proofs
  if (proofType === 'attestation') {
    // appendix F.3: the key attestation itself is the proof
    proofs = { attestation: [keyAttestationJwt] }
  } else {
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId,
      signer: { method: 'jwk', publicJwk: publicOf(state.privateJwk), alg: 'ES256' },
      nonce: c_nonce,
      issuedAt: new Date(),
      keyAttestationJwt,
    })
    proofs = { jwt: [jwt] }
  }
  const result = await client.retrieveCredentials({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId,
    proofs,
    dpop,
  })
  state.credential = result.credentialResponse.credentials[0].credential
  state.configuration = credentialConfigurationId
  fs.writeFileSync(statePath, JSON.stringify(state))
  // tell the issuer the credential was kept (OpenID4VCI 1.0 section 11)
  const notificationId = result.credentialResponse.notification_id
  if (notificationId) {
    await client.sendNotification({
      issuerMetadata,
      accessToken: accessTokenResponse.access_token,
      notification: { notificationId, event: 'credential_accepted', eventDescription: 'stored by the test holder' },
      dpop,
    })
  }
  return {
    configuration: credentialConfigurationId,
    credential: state.credential,
    notified: Boolean(notificationId),
    tokenType: accessTokenResponse.token_type,
    dpopNonce: dpop?.nonce ?? null,
  }
}

async function present(statePath, requestLink, verifierJwkText, hide) {
  const state = JSON.parse(fs.readFileSync(statePath, 'utf8'))
  const verifierJwk = JSON.parse(verifierJwkText)
  const client = new Openid4vpClient({ callbacks: callbacks(state, verifierJwk) })
  const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: requestLink })
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({
    authorizationRequestPayload: parsed.params,
  })
  const request = resolved.authorizationRequestPayload
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    saltGenerator: generateSalt,
    kbSigner: signerFor(state.privateJwk),
    kbSignAlg: 'ES256',
  })
  // disclose everything the wallet may, except the claim the learner keeps back
  const frame = {}
  for (const path of await sdjwt.presentableKeys(state.credential)) {
    if (hide && path.split('.').pop() === hide) continue
    let node = frame
    const parts = path.split('.')
    for (const part of parts.slice(0, -1)) node = node[part] ??= {}
    node[parts.at(-1)] = true
  }
  const presentation = await sdjwt.present(state.credential, frame, {
    kb: { payload: { iat: Math.floor(Date.now() / 1000), aud: request.client_id, nonce: request.nonce } },
  })
  const queryId = request.dcql_query.credentials.find((c) => c.format === 'dc+sd-jwt').id
  // direct_post.jwt: the library encrypts to the request's key (encryptJwe above)
  const encrypted = request.response_mode === 'direct_post.jwt'
  const jarm = encrypted
    ? {
        encryption: {},
        serverMetadata: {
          authorization_encryption_alg_values_supported: ['ECDH-ES'],
          authorization_encryption_enc_values_supported: ['A128GCM', 'A256GCM'],
        },
      }
    : undefined
  const response = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: { vp_token: { [queryId]: [presentation] } },
    jarm,
  })
  const submitted = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: response.authorizationResponsePayload,
    jarm: response.jarm,
  })
  return {
    clientId: resolved.client.clientId ?? request.client_id,
    clientIdPrefix: resolved.client.prefix,
    status: submitted.response.status,
    responseMode: request.response_mode,
    encrypted: Boolean(response.jarm),
    presentation,
  }
}

function verifierFor(publicJwk) {
  const key = crypto.createPublicKey({ key: publicJwk, format: 'jwk' })
  const hashName = publicJwk.crv === 'P-384' ? 'sha384' : 'sha256'
  return (data, sig) =>
    crypto.verify(hashName, Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'))
}

async function sdVerify(token, issuerJwkText, nonce, audience) {
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    verifier: verifierFor(JSON.parse(issuerJwkText)),
    kbVerifier: (data, sig, payload) => verifierFor(payload.cnf.jwk)(data, sig),
  })
  const options = nonce ? { keyBindingNonce: nonce } : {}
  const result = await sdjwt.verify(token, options)
  if (nonce && result.kb?.payload.aud !== audience) throw new Error('key binding audience mismatch')
  const claims = await sdjwt.getClaims(token)
  return { verified: true, claims, kb: result.kb?.payload ?? null }
}

async function sdIssue(claimsPath, issuerJwkText, kid, holderJwkText) {
  const issuerJwk = JSON.parse(issuerJwkText)
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    saltGenerator: generateSalt,
    signer: signerFor(issuerJwk),
    signAlg: issuerJwk.crv === 'P-384' ? 'ES384' : 'ES256',
  })
  const credential = JSON.parse(fs.readFileSync(claimsPath, 'utf8'))
  const payload = {
    ...credential,
    iss: typeof credential.issuer === 'string' ? credential.issuer : credential.issuer.id,
    vct: 'urn:mcvc:vct:micro-credential:1',
    iat: Math.floor(Date.now() / 1000),
    cnf: { jwk: JSON.parse(holderJwkText) },
  }
  const personal = ['dateOfBirth', 'nationalID', 'placeOfBirth'].filter((k) => k in credential.credentialSubject)
  const token = await sdjwt.issue(payload, { credentialSubject: { _sd: personal } }, { header: { kid } })
  return { token }
}

const [command, ...args] = process.argv.slice(2)
const commands = { receive, present, 'sd-verify': sdVerify, 'sd-issue': sdIssue }
try {
  const out = await commands[command](...args)
  process.stdout.write(JSON.stringify(out))
} catch (error) {
  process.stdout.write(JSON.stringify({ error: String(error?.message ?? error), details: error?.errorResponse ?? error?.cause?.message }))
  process.exitCode = 1
}
