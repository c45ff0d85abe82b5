"""Issuer side: status entries for credentials and the status list credential to publish."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..contexts import CREDENTIALS_V2
from .bitstring import Bitstring, encode_list

__all__ = ["status_entry", "status_list_credential"]


def status_entry(list_url: str, index: int, purpose: str = "revocation") -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` (VC 2.0 terms; VC 1.1 documents also need the
    ``https://www.w3.org/ns/credentials/status/v1`` context)."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    list_url: str,
    issuer: str,
    bitstring: Bitstring,
    *,
    purpose: str = "revocation",
    valid_from: datetime,
    valid_until: datetime | None = None,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` for ``bitstring`` (sign it with the
    issuer's key before publishing)."""
    subject: dict[str, Any] = {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": encode_list(bitstring),
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    doc: dict[str, Any] = {
        "@context": [CREDENTIALS_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from.isoformat().replace("+00:00", "Z"),
        "credentialSubject": subject,
    }
    if valid_until is not None:
        doc["validUntil"] = valid_until.isoformat().replace("+00:00", "Z")
    return doc
