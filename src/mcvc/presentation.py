"""Presentations for wallets: build one around credentials and sign it as the holder."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from .contexts import CREDENTIALS_V2
from .keys import KeyPair
from .proofs.purposes import AuthenticationPurpose
from .signing import sign

__all__ = ["create_presentation", "sign_presentation"]


def create_presentation(
    credentials: list[dict[str, Any]], *, holder: str, id: str | None = None
) -> dict[str, Any]:
    return {
        "@context": [CREDENTIALS_V2],
        "id": id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": list(credentials),
    }


def sign_presentation(
    presentation: dict[str, Any],
    key: KeyPair,
    *,
    challenge: str,
    domain: str | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """The holder's authentication proof, bound to the verifier's challenge (and domain)."""
    return sign(
        presentation,
        key,
        purpose=AuthenticationPurpose(challenge=challenge, domain=domain),
        created=created,
    )
