"""Trust lists: which issuers the caller accepts, matched by identifier only (never by name)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InvalidInput

__all__ = ["DEMO_DIDS", "TrustList", "TrustedIssuer", "demo_trust_list"]

# The controllers of the public keys in keys/ (their private halves are in git): anything
# signed with them proves nothing about anyone.
DEMO_DIDS = frozenset(
    {
        "did:key:z6MkmxaCLFx2ZBfg8r7iZLa93cQgJ6Mh7EUbWX7F3sVWhjUk",  # keys/demo-ed25519.json
        "did:key:zDnaeSsWobzw1ePNLxojkdBCM94wsmCRktWJZFZDn3GyqqQut",  # keys/test-p256.json
    }
)


@dataclass(frozen=True)
class TrustedIssuer:
    did: str
    legal_name: str = ""
    country: str = ""
    deqar_id: str = ""


@dataclass(frozen=True)
class TrustList:
    """``{"issuers": [{"did": ..., "legal_name": ..., "country": ..., "deqar_id": ...}]}``"""

    issuers: tuple[TrustedIssuer, ...] = field(default_factory=tuple)
    name: str = ""
    demo: bool = False
    """A list for demonstrations (``mcvc demo``): the verdict says so wherever it is used."""

    @classmethod
    def from_dict(cls, data: Any, name: str = "") -> TrustList:
        if not isinstance(data, dict) or not isinstance(data.get("issuers"), list):
            raise InvalidInput(
                'a trust list is {"issuers": [{"did": ...}, ...]}', code="INVALID_TRUST_LIST"
            )
        issuers = []
        for i, item in enumerate(data["issuers"]):
            if not isinstance(item, dict) or not isinstance(item.get("did"), str):
                raise InvalidInput(
                    f"trust list entry {i} has no did",
                    code="INVALID_TRUST_LIST",
                    pointer=f"/issuers/{i}",
                )
            issuers.append(
                TrustedIssuer(
                    item["did"],
                    str(item.get("legal_name", "")),
                    str(item.get("country", "")),
                    str(item.get("deqar_id", "")),
                )
            )
        return cls(tuple(issuers), name or str(data.get("name", "")))

    @classmethod
    def load(cls, path: str | Path) -> TrustList:
        return cls.from_dict(json.loads(Path(path).read_text("utf-8")), name=str(path))

    def find(self, did: str) -> TrustedIssuer | None:
        return next((i for i in self.issuers if i.did == did), None)


def demo_trust_list() -> TrustList:
    """The trust list ``mcvc demo`` uses: it names only the public demo and test keys."""
    return TrustList(
        tuple(
            TrustedIssuer(did, "mcvc demo issuer (public demo key, not an institution)")
            for did in sorted(DEMO_DIDS)
        ),
        name="the mcvc DEMO trust list (public demo keys only; never use it for decisions)",
        demo=True,
    )
