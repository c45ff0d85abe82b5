"""OpenID for Verifiable Credential Issuance 1.0: the issuer side (offers, pre-authorized
code, key proofs, credential and deferred endpoints)."""
