"""What a wallet reads before it asks: Credential Issuer metadata (OpenID4VCI 1.0 section 12.2),
the OAuth authorization server metadata (RFC 8414) of the same issuer, and the SD-JWT VC type
metadata of the micro-credential ``vct``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..contexts import CREDENTIALS_V2
from .keyproof import PROOF_ALGS

__all__ = [
    "BOUND_CONFIGURATIONS",
    "CONFIG_JWT",
    "CONFIG_LDP",
    "CONFIG_SD_JWT",
    "CONFIG_SIGNED",
    "PRE_AUTHORIZED",
    "authorization_server_metadata",
    "credential_issuer_metadata",
    "type_metadata",
    "well_known",
]

PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CONFIG_LDP = "MicroCredential_ldp_vc"
CONFIG_JWT = "MicroCredential_jwt_vc_json"
CONFIG_SD_JWT = "MicroCredential_dc+sd-jwt"
# a credential a batch already signed: handed over as it is, bound to no wallet key
CONFIG_SIGNED = "MicroCredential_ldp_vc_signed"
BOUND_CONFIGURATIONS = (CONFIG_LDP, CONFIG_JWT, CONFIG_SD_JWT)
_TYPES = ["VerifiableCredential", "VerifiableAttestation", "VerifiableEducationalCredential"]
_SUITES = {"ed25519": ["eddsa-rdfc-2022"], "p256": ["ecdsa-rdfc-2019"], "p384": ["ecdsa-rdfc-2019"]}
_JOSE = {"ed25519": "EdDSA", "p256": "ES256", "p384": "ES384"}
_DISPLAY = [
    {
        "name": "Micro-credential",
        "locale": "en",
        "description": "European Digital Credential for a micro-credential (EU standard elements)",
        "background_color": "#003399",
        "text_color": "#FFFFFF",
    },
    {"name": "Microcredential", "locale": "fr"},
    {"name": "Micro-Credential", "locale": "de"},
    {"name": "Mikropoświadczenie", "locale": "pl"},
    {"name": "Mikrocertifikát", "locale": "cs"},
]
_PERSONAL = [
    (["credentialSubject", "dateOfBirth"], "Date of birth"),
    (["credentialSubject", "placeOfBirth"], "Place of birth"),
    (["credentialSubject", "nationalID"], "National identifier"),
    (["credentialSubject", "contactPoint"], "Contact"),
]


def well_known(identifier: str, name: str) -> str:
    """The path of ``/.well-known/{name}`` for an identifier with a path (RFC 8414 section 3:
    the well-known segment goes between host and path)."""
    path = urlsplit(identifier).path.rstrip("/")
    return f"/.well-known/{name}{path}"


def _proofs(attestations: dict[str, Any] | None, required: bool) -> dict[str, Any]:
    jwt: dict[str, Any] = {"proof_signing_alg_values_supported": list(PROOF_ALGS)}
    if attestations is None:
        return {"jwt": jwt}
    # with a policy for key attestations the issuer also takes one as the proof itself
    # (appendix F.3); a jwt proof must carry one only when they are required
    needed = {"key_attestations_required": attestations}
    return {"jwt": {**jwt, **needed} if required else jwt, "attestation": {**jwt, **needed}}


def credential_issuer_metadata(
    identifier: str,
    *,
    issuer_name: str,
    key_kind: str,
    vct: str,
    batch_size: int,
    key_attestations: dict[str, Any] | None = None,
    attestation_required: bool = False,
) -> dict[str, Any]:
    """``key_attestations``: the ``key_attestations_required`` object of appendix D
    (``key_storage``, ``user_authentication``) when the issuer evaluates key attestations;
    ``attestation_required``: every ``jwt`` key proof must then carry one."""
    display = {"credential_metadata": {"display": _DISPLAY}}
    bound = {
        "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
        "proof_types_supported": _proofs(key_attestations, attestation_required),
    }
    configurations = {
        CONFIG_LDP: {
            "format": "ldp_vc",
            "scope": "micro_credential",
            "credential_signing_alg_values_supported": _SUITES[key_kind],
            "credential_definition": {"@context": [CREDENTIALS_V2], "type": _TYPES},
            **bound,
            **display,
        },
        CONFIG_JWT: {
            "format": "jwt_vc_json",
            "credential_signing_alg_values_supported": [_JOSE[key_kind]],
            "credential_definition": {"type": _TYPES},
            **bound,
            **display,
        },
        CONFIG_SD_JWT: {
            "format": "dc+sd-jwt",
            "vct": vct,
            "credential_signing_alg_values_supported": [_JOSE[key_kind]],
            "cryptographic_binding_methods_supported": ["jwk"],
            "proof_types_supported": _proofs(key_attestations, attestation_required),
            "credential_metadata": {
                "display": _DISPLAY,
                "claims": [
                    {"path": path, "display": [{"name": label, "locale": "en"}]}
                    for path, label in _PERSONAL
                ],
            },
        },
        CONFIG_SIGNED: {
            "format": "ldp_vc",
            "credential_signing_alg_values_supported": [
                "eddsa-rdfc-2022",
                "ecdsa-rdfc-2019",
            ],
            "credential_definition": {"@context": [CREDENTIALS_V2], "type": _TYPES},
            **display,
        },
    }
    return {
        "credential_issuer": identifier,
        "credential_endpoint": f"{identifier}/credential",
        "nonce_endpoint": f"{identifier}/nonce",
        "deferred_credential_endpoint": f"{identifier}/deferred_credential",
        "notification_endpoint": f"{identifier}/notification",
        "batch_credential_issuance": {"batch_size": batch_size},
        "display": [{"name": issuer_name, "locale": "en"}],
        "credential_configurations_supported": configurations,
    }


def authorization_server_metadata(identifier: str) -> dict[str, Any]:
    return {
        "issuer": identifier,
        "token_endpoint": f"{identifier}/token",
        "grant_types_supported": [PRE_AUTHORIZED],
        "pre-authorized_grant_anonymous_access_supported": True,
        "token_endpoint_auth_methods_supported": ["none"],
        "response_types_supported": [],
    }


def type_metadata(vct: str) -> dict[str, Any]:
    """SD-JWT VC type metadata: names, and which claims are personal (always disclosable)."""
    return {
        "vct": vct,
        "name": "Micro-credential",
        "description": (
            "A micro-credential with the EU standard elements (Council Recommendation of "
            "16 June 2022). The learner's personal data are selectively disclosable."
        ),
        "display": [{"locale": d["locale"], "name": d["name"]} for d in _DISPLAY if "name" in d],
        "claims": [
            {"path": path, "display": [{"locale": "en", "label": label}], "sd": "always"}
            for path, label in _PERSONAL
        ]
        + [
            {"path": ["credentialSubject", "hasClaim"], "sd": "never"},
            {"path": ["issuer"], "sd": "never"},
        ],
    }
