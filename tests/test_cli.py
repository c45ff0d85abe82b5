"""The mcvc command: exit codes, output safety, the README flow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mcvc.cli import main
from mcvc.verification.trust import DEMO_DIDS

from .conftest import EDDSA, ROOT, SAMPLES, trust_file


def test_build_sign_verify_flow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "key.json"
    assert main(["keygen", "-o", str(key)]) == 0
    did = json.loads(key.read_text())["controller"]
    cred = tmp_path / "c.json"
    assert (
        main(
            [
                "build",
                str(ROOT / "examples" / "microcredential.json"),
                "--issuer",
                did,
                "--rules",
                "unic",
                "-o",
                str(cred),
            ]
        )
        == 0
    )
    signed = tmp_path / "s.json"
    assert (
        main(
            [
                "sign",
                str(cred),
                "--key",
                str(key),
                "--created",
                "2026-07-15T08:00:00Z",
                "-o",
                str(signed),
            ]
        )
        == 0
    )
    capsys.readouterr()
    # a key of one's own proves the content is intact, not who the issuer is (issue 14)
    when = ["--json", "--now", "2026-11-01T00:00:00Z"]
    assert main(["verify", str(signed), *when]) == 3
    report = json.loads(capsys.readouterr().out)
    assert report["outcome"] == "unconfirmed" and report["verified"] is False
    assert report["facets"] == {"intact": "pass", "issuer": "unknown", "valid": "pass"}
    # what a VC-API client expects: verified, the unconfirmed issuer as a warning
    assert main(["verify", str(signed), *when, "--policy", "vc-api"]) == 0
    assert json.loads(capsys.readouterr().out)["outcome"] == "verified"
    # the officer's trust list names the issuer: verified
    trust = trust_file(tmp_path, did)
    assert main(["verify", str(signed), *when, "--trust", str(trust)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verified"] is True and report["outcome"] == "verified"
    assert report["facets"] == {"intact": "pass", "issuer": "pass", "valid": "pass"}
    assert all({"code", "outcome", "message"} <= set(c) for c in report["checks"])
    data = json.loads(signed.read_text())
    data["credentialSubject"]["hasClaim"]["title"]["en"] = "\u001b[2J\u001b[32mVALID"
    signed.write_text(json.dumps(data))
    assert main(["verify", str(signed), "--now", "2026-11-01T00:00:00Z"]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b[2J" in out


def test_verify_command_leaves_pyld_http_loaders_unloaded() -> None:
    # start-up time of `mcvc verify`: pyld's requests/aiohttp default loaders are never used
    import subprocess
    import sys

    path = EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json"
    code = (
        "import sys, io, contextlib\n"
        "from mcvc.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    rc = main(['verify', {str(path)!r}])\n"
        "loaded = 'requests' in sys.modules or 'aiohttp' in sys.modules\n"
        "print(rc, loaded)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    # the vector is verified for real (exit 1: its issuer is an example DID key that signs
    # for nobody), and neither HTTP library was imported on the way
    assert out == ["1", "False"], out


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(tmp_path / "missing.json")]) == 2
    assert main(["verify"]) == 2
    assert main(["verify", str(EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json")]) == 1
    assert main(["verify", str(SAMPLES / "elm-v3-mc-annex1-signed.jsonld")]) == 3
    assert (
        main(["verify", "--now", "yesterday", str(SAMPLES / "elm-v3-mc-annex1-signed.jsonld")]) == 2
    )


def test_several_files_give_a_stacking_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "-o", str(tmp_path / "demo.json")]) == 0
    capsys.readouterr()
    code = main(
        [
            "verify",
            str(tmp_path / "demo.json"),
            str(tmp_path / "demo.json"),
            str(EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json"),
            "--trust",
            str(trust_file(tmp_path, *DEMO_DIDS)),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "10 ECTS from 2 of 2 credentials (EQF 7)" in out


def test_elements_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["elements", str(SAMPLES / "elm-v3-mc-annex1-unsigned.jsonld"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["missing"] == ["quality_assurance"]


def test_invalid_elements_are_reported_with_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = json.loads((ROOT / "examples" / "microcredential.json").read_text())
    bad["workload"]["hours"] = "P60M"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    assert main(["build", str(path)]) == 2
    assert "workload.hours" in capsys.readouterr().err


def test_unwritable_output_is_reported_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "build",
            str(ROOT / "examples" / "microcredential.json"),
            "-o",
            str(tmp_path / "missing" / "out.json"),
        ]
    )
    assert code == 2
    assert "No such file or directory" in capsys.readouterr().err


def test_the_command_line_loads_pyld_without_its_http_loaders() -> None:
    # in a fresh interpreter: what `mcvc verify` imports before it verifies anything
    script = """
import sys
from mcvc.cli.common import _import_pyld_without_its_http_loaders
_import_pyld_without_its_http_loaders()
from pyld import jsonld
assert 'asyncio' not in sys.modules and 'urllib.request' not in sys.modules, 'loaded'
assert 'requests' not in sys.modules and 'aiohttp' not in sys.modules
assert jsonld.get_document_loader().__qualname__.startswith('dummy_document_loader'), jsonld.get_document_loader().__qualname__
import pyld.documentloader.file as real
assert hasattr(real, 'url2pathname'), 'the real module after the stand-in'
print('ok')
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
