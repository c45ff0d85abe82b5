"""Trust lists: which issuers the caller accepts, matched by identifier only (never by name)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InvalidInput

__all__ = ["TrustList", "TrustedIssuer"]


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
