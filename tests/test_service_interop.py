"""The reference JavaScript stack (../shared/interop/dbvc) pointed at the service: it verifies
what the service issues (did:key, and did:web with the did.json the service publishes), and the
service verifies what the reference stack signs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcvc import build_credential, elements_from_dict, load_key

from .conftest import NOW, ROOT, load
from .service_helpers import DEMO_KEY, TOKEN, base_config, did_web_issuer, free_port, running
from .test_interop import DBVC, _node, pytestmark  # noqa: F401  (same skip rules)

AUTH = {"Authorization": f"Bearer {TOKEN}"}


class _Clock:
    def now(self) -> Any:
        return NOW


@pytest.fixture
def unsigned() -> dict[str, Any]:
    elements = elements_from_dict(load(ROOT / "examples" / "microcredential.json"))
    return build_credential(elements, issuer=load_key(DEMO_KEY).controller_id)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[str]:
    with running(base_config(free_port(), f"sqlite:///{tmp_path / 'l.db'}"), _Clock()) as url:
        yield url


def _dbvc_verify(doc: dict[str, Any], tmp_path: Path, *extra: str) -> dict[str, Any]:
    path = tmp_path / "issued.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    result = _node("verify", "--now", "2026-11-01T12:00:00Z", "--skip-status", *extra, str(path))
    assert result.returncode in (0, 1), result.stderr
    return dict(json.loads(result.stdout))


def test_reference_verifies_what_the_service_issues(
    service: str, unsigned: dict[str, Any], tmp_path: Path
) -> None:
    r = httpx.post(
        f"{service}/credentials/issue", json={"credential": unsigned}, headers=AUTH, timeout=60
    )
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    assert _dbvc_verify(vc, tmp_path) == {"verified": True, "errors": []}
    vc["credentialSubject"]["givenName"]["en"] = "Mallory"
    assert _dbvc_verify(vc, tmp_path)["verified"] is False


def test_reference_verifies_a_did_web_issuer_with_the_served_did_json(
    tmp_path: Path, unsigned: dict[str, Any]
) -> None:
    config = base_config(free_port(), f"sqlite:///{tmp_path / 'l.db'}")
    did, _key = did_web_issuer(config, tmp_path)
    with running(config, _Clock()) as url:
        as_web = {**unsigned, "issuer": {**unsigned["issuer"], "id": did}}
        vc = httpx.post(
            f"{url}/credentials/issue", json={"credential": as_web}, headers=AUTH, timeout=60
        ).json()["verifiableCredential"]
        did_json = tmp_path / "did.json"
        did_json.write_text(httpx.get(f"{url}/.well-known/did.json").text, "utf-8")
    assert _dbvc_verify(vc, tmp_path, "--doc", str(did_json)) == {"verified": True, "errors": []}


def test_service_verifies_what_the_reference_signs(
    service: str, unsigned: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "unsigned.json"
    path.write_text(json.dumps(unsigned, ensure_ascii=False), "utf-8")
    signed = _node("sign", "--key", str(DEMO_KEY), "--created", "2026-07-14T20:00:00Z", str(path))
    assert signed.returncode == 0, signed.stderr
    r = httpx.post(
        f"{service}/credentials/verify",
        json={"verifiableCredential": json.loads(signed.stdout)},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "verified"
