"""Status List Tokens (IETF Token Status List, ``statuslist+jwt``) from the ledger's lists.

The service keeps one set of statuses per list (the Bitstring lists it publishes as W3C
status list credentials). An SD-JWT VC names the same list and index in its ``status`` claim
(``status_list.uri`` is the list's URL with ``/token``), so EUDI-style verifiers that read only
Token Status Lists see the same revocation and suspension as W3C verifiers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..jose import _ALG_FOR
from ..keys import KeyPair
from ..sdjwt import _jws
from ..status.bitstring import Bitstring
from ..status.token import encode_token_list

__all__ = ["INVALID", "SUSPENDED", "sign_token_list", "status_claim", "token_list_from_bits"]

INVALID = 0x01
SUSPENDED = 0x02


def token_list_from_bits(
    revocation: Bitstring, suspension: Bitstring | None = None
) -> dict[str, Any]:
    """A ``status_list`` claim with the statuses of Bitstring lists: a revoked entry is
    INVALID, a suspended one SUSPENDED (revocation wins); two bits per entry when there is a
    suspension list, else one."""
    values: dict[int, int] = {}
    for bits, value in ((suspension, SUSPENDED), (revocation, INVALID)):
        if bits is None:
            continue
        for byte_index, byte in enumerate(bits.data):
            if byte:  # lists are mostly zeros: read only the bytes with a bit set
                for index in range(byte_index * 8, min(byte_index * 8 + 8, bits.length)):
                    if bits.value(index):
                        values[index] = value
    return encode_token_list(1 if suspension is None else 2, values, revocation.length)


def sign_token_list(
    uri: str, status_list: dict[str, Any], key: KeyPair, *, now: datetime, ttl_seconds: int
) -> str:
    """The Status List Token for ``uri``, signed by ``key`` (its verification method is the
    ``kid``). ``ttl`` says how long a relying party may keep it; ``exp`` is twice that."""
    header = {
        "alg": _ALG_FOR[key.kind],
        "typ": "statuslist+jwt",
        "kid": key.verification_method,
    }
    issued = int(now.timestamp())
    claims = {
        "sub": uri,
        "iat": issued,
        "exp": issued + 2 * ttl_seconds,
        "ttl": ttl_seconds,
        "status_list": status_list,
    }
    return _jws(header, claims, key)


def status_claim(credential: dict[str, Any]) -> dict[str, Any] | None:
    """The ``status`` claim pointing at the Token Status List of the credential's revocation
    entry (the list URL with ``/token``, the same index), None when it has none."""
    entries = credential.get("credentialStatus")
    for entry in entries if isinstance(entries, list) else [entries]:
        if (
            isinstance(entry, dict)
            and entry.get("type") == "BitstringStatusListEntry"
            and entry.get("statusPurpose") == "revocation"
        ):
            uri = f"{entry['statusListCredential']}/token"
            return {"status_list": {"idx": int(entry["statusListIndex"]), "uri": uri}}
    return None
