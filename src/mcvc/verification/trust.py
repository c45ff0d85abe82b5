"""Trust lists: which issuers the caller accepts, matched by identifier only (never by name)."""

from __future__ import annotations

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
    """``{"name": ..., "issuers": [{"did": ..., "legal_name": ..., "country": ...,
    "deqar_id": ..., "certificates": ["-----BEGIN CERTIFICATE-----..."]}]}``, optionally
    signed (a Data Integrity proof, e.g. ``mcvc trust sign``) by whoever publishes it: an
    alliance office for its members, a ministry for its register. A signed list is used only
    when its proof verifies; ``signer`` is then the DID that signed it."""

    issuers: tuple[TrustedIssuer, ...] = field(default_factory=tuple)
    name: str = ""
    demo: bool = False
    """A list for demonstrations (``mcvc demo``): the verdict says so wherever it is used."""
    signer: str = ""
    certificates: tuple[Any, ...] = ()
    """Seal certificates (CA or end entity) the list vouches for, as trust anchors."""

    @classmethod
    def from_dict(cls, data: Any, name: str = "", signer: str = "") -> TrustList:
        if not isinstance(data, dict) or not isinstance(data.get("issuers"), list):
            raise InvalidInput(
                'a trust list is {"issuers": [{"did": ...}, ...]}', code="INVALID_TRUST_LIST"
            )
        issuers = []
        certificates: list[Any] = []
        for i, item in enumerate(data["issuers"]):
            if not isinstance(item, dict) or not isinstance(item.get("did"), str):
                raise InvalidInput(
                    f"trust list entry {i} has no did",
                    code="INVALID_TRUST_LIST",
                    pointer=f"/issuers/{i}",
                )
            certificates.extend(_certificates(item.get("certificates"), i))
            issuers.append(
                TrustedIssuer(
                    item["did"],
                    str(item.get("legal_name", "")),
                    str(item.get("country", "")),
                    str(item.get("deqar_id", "")),
                )
            )
        title = name or str(data.get("name", ""))
        return cls(tuple(issuers), title, signer=signer, certificates=tuple(certificates))

    @classmethod
    def load(
        cls, path: str | Path, *, signer: str | None = None, resolver: Any = None
    ) -> TrustList:
        """Read a trust list file. A list with a ``proof`` is verified (Data Integrity) and
        named after its signer; ``signer`` requires that exact DID to have signed it (an
        unsigned list, or one signed by anybody else, is then refused)."""
        from ..jsontext import parse_json

        data = parse_json(Path(path).read_bytes())
        if not isinstance(data, dict):
            raise InvalidInput("a trust list is a JSON object", code="INVALID_TRUST_LIST")
        signed_by = ""
        if "proof" in data:
            signed_by = _verify_list_proof(data, resolver)
        if signer is not None and signed_by != signer:
            raise InvalidInput(
                f"{path}: the trust list must be signed by {signer}"
                + (f", but {signed_by} signed it" if signed_by else ", but it is not signed"),
                code="TRUST_LIST_SIGNER",
            )
        title = str(data.get("name", "")) or str(path)
        if signed_by:
            title += f" (signed by {signed_by})"
        return cls.from_dict(data, name=title, signer=signed_by)

    def find(self, did: str) -> TrustedIssuer | None:
        return next((i for i in self.issuers if i.did == did), None)

    def anchors(self) -> Any:
        """The seal certificates of the list, as trust anchors (None when it has none)."""
        from ..jades.certs import TrustAnchors

        return TrustAnchors(self.certificates, self.name) if self.certificates else None


def _certificates(value: Any, index: int) -> list[Any]:
    from cryptography import x509

    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(
            f"trust list entry {index}: certificates is a list of PEM strings",
            code="INVALID_TRUST_LIST",
            pointer=f"/issuers/{index}/certificates",
        )
    try:
        return [c for v in value for c in x509.load_pem_x509_certificates(v.encode("ascii"))]
    except ValueError as exc:
        raise InvalidInput(
            f"trust list entry {index}: not a PEM certificate ({exc})",
            code="INVALID_TRUST_LIST",
            pointer=f"/issuers/{index}/certificates",
        ) from None


def _verify_list_proof(data: dict[str, Any], resolver: Any) -> str:
    from ..did import DidResolver
    from ..proofs.engine import verify_proofs

    # the assertion purpose and the bundled contexts are verify_proofs' defaults
    results = verify_proofs(data, resolver=resolver or DidResolver(None))
    bad = [r for r in results if r.outcome != "pass"]
    if bad or not results:
        reason = f"{bad[0].code}: {bad[0].message}" if bad else "no proof"
        raise InvalidInput(
            f"the trust list's signature does not verify ({reason}): it was changed or "
            "signed by someone else",
            code="TRUST_LIST_SIGNATURE",
        )
    signers = {r.controller for r in results}
    if len(signers) != 1:
        raise InvalidInput("the trust list is signed by several keys", code="TRUST_LIST_SIGNATURE")
    return str(signers.pop())


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
