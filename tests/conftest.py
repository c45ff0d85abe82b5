from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
# mutation testing runs the suite from a copy (mutants/), so the vectors can be named explicitly
VECTORS = Path(os.environ.get("MCVC_VECTORS") or ROOT.parent / "shared" / "vectors")
EDDSA = VECTORS / "vc-di-eddsa" / "TestVectors"
ECDSA = VECTORS / "vc-di-ecdsa" / "TestVectors"
SAMPLES = VECTORS / "edc" / "samples"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

if not VECTORS.is_dir():  # pragma: no cover - the suite is meaningless without them
    raise RuntimeError(
        f"conformance vectors not found at {VECTORS}: clone mcvc next to the shared folder "
        "that holds vectors/, or set MCVC_VECTORS to it (README)"
    )


def load(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


@pytest.fixture
def example_elements() -> dict[str, Any]:
    return load(ROOT / "examples" / "microcredential.json")


def trust_file(folder: Path, *dids: str) -> Path:
    """A trust list naming ``dids`` (the officer's own list of accepted issuers)."""
    path = folder / "trust.json"
    path.write_text(json.dumps({"name": "test trust list", "issuers": [{"did": d} for d in dids]}))
    return path


@pytest.fixture(autouse=True, scope="session")
def _no_trust_cache_of_this_machine(tmp_path_factory: pytest.TempPathFactory) -> None:
    """``mcvc verify`` reads stored Trusted Lists by default; tests never read this machine's."""

    os.environ["MCVC_TRUST_DIR"] = str(tmp_path_factory.mktemp("no-trusted-lists"))
    # reports follow the environment's language; the tests read the English ones
    os.environ["LANGUAGE"] = "en"


@pytest.fixture
def wallet_issuer(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """An OpenID4VCI issuer on a fresh ledger, with a clock the test moves."""
    from mcvc.canon.api import Canonicalizer
    from mcvc.issuing.ledger import Ledger
    from mcvc.oid4vci.book import OfferBook
    from mcvc.oid4vci.issuer import WalletIssuer
    from mcvc.service.challenges import ChallengeBook
    from mcvc.service.issuer import ServiceIssuer

    from .test_oid4vci import ISSUER, Clock

    clock = Clock(NOW)
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.db'}")
    issuer = ServiceIssuer(
        "demo",
        ISSUER,
        status_base="https://uni.example/status/demo/",
        suspension=False,
        status_ttl_ms=1000,
        canon=Canonicalizer(),
        now=clock.now,
    )
    ledger.bind(issuer.status_base, issuer.id, now=NOW)
    w = WalletIssuer(
        issuer,
        identifier="https://uni.example/issuers/demo",
        ledger=ledger,
        book=OfferBook(ledger.engine),
        nonces=ChallengeBook(
            ledger.engine, b"a test secret of enough length", ttl=timedelta(minutes=5)
        ),
        clock=clock,
        vct="https://uni.example/vct/micro-credential",
        batch_size=2,
        deferred_interval=30,
    )
    yield w, clock
    ledger.close()
