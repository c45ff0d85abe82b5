"""The status entries a credential gets from its ledger reservation (batch and service)."""

from __future__ import annotations

from typing import Any

from ..contexts import CREDENTIALS_V1, STATUS_V1
from ..status.lists import status_entry
from .ledger import Reservation

__all__ = ["with_status"]


def with_status(
    credential: dict[str, Any], reservation: Reservation, *, suspension: bool
) -> dict[str, Any]:
    """A new top-level dict: ``credential`` with a revocation entry (and a suspension entry)
    at the reserved index, after any entries the credential already has; a VC 1.1 credential
    also gets the status context, which defines the Bitstring terms there."""
    entries = [
        status_entry(reservation.list_url("revocation"), reservation.status_index, "revocation")
    ]
    if suspension:
        entries.append(
            status_entry(reservation.list_url("suspension"), reservation.status_index, "suspension")
        )
    ctx = credential["@context"]
    ctx = ctx if isinstance(ctx, list) else [ctx]
    if CREDENTIALS_V1 in ctx and STATUS_V1 not in ctx:
        ctx = [*ctx, STATUS_V1]
    given = credential.get("credentialStatus")
    entries = [*(given if isinstance(given, list) else [given] if given else []), *entries]
    return {
        **credential,
        "@context": ctx,
        "credentialStatus": entries if len(entries) > 1 else entries[0],
    }
