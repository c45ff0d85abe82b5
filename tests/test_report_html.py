"""`mcvc report`: a self-contained HTML page, rendered in headless Chromium and looked at."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from mcvc.cli import main
from mcvc.verification.trust import DEMO_DIDS

from .conftest import trust_file

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("MCVC_REQUIRE_CHROMIUM") == "1":
    raise RuntimeError("MCVC_REQUIRE_CHROMIUM=1 but chromium is not installed")

NOW = "2026-11-01T00:00:00Z"


def _demo(tmp_path: Path) -> Path:
    root = Path(__file__).resolve().parents[1]
    built, out = tmp_path / "built.json", tmp_path / "demo.json"
    key = root / "keys" / "demo-ed25519.json"
    issuer = json.loads(key.read_text())["controller"]
    example = str(root / "examples" / "microcredential.json")
    assert main(["build", example, "--issuer", issuer, "-o", str(built)]) == 0
    created = "2026-07-14T20:00:00Z"
    assert main(["sign", str(built), "--key", str(key), "--created", created, "-o", str(out)]) == 0
    return out


def test_report_is_self_contained_and_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signed = _demo(tmp_path)
    doc = json.loads(signed.read_text())
    doc["credentialSubject"]["hasClaim"]["title"]["en"] = "<script>alert(1)</script>\u202eevil"
    doc["issuer"]["legalName"]["en"] = "Univerzitа Karlova"  # Cyrillic 'а'
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False))
    page = tmp_path / "r.html"
    assert main(["report", str(bad), "-o", str(page), "--now", NOW]) == 1
    text = page.read_text()
    assert "<script" not in text and "&lt;script&gt;" in text
    assert "\u202e" not in text and "\\u202e" in text
    assert "mixed scripts" in text
    assert "src=" not in text and "http-equiv" not in text and "<link" not in text
    assert 'id="verdict"' in text and "FAILED" in text


def _screenshot(page: Path, png: Path) -> None:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--window-size=1100,1400",
                f"--screenshot={png}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def _colour_share(png: Path, rgb: tuple[int, int, int]) -> float:
    from PIL import Image

    image = Image.open(png).convert("RGB")
    top = image.crop((0, 0, image.width, 300))
    pixels = [top.getpixel((x, y)) for y in range(0, top.height, 2) for x in range(0, top.width, 2)]
    hits = sum(1 for p in pixels if all(abs(a - b) <= 6 for a, b in zip(p, rgb, strict=True)))
    return hits / len(pixels)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (.ci/run installs it)")
def test_report_renders_with_the_verdict_colour(tmp_path: Path) -> None:
    signed = _demo(tmp_path)
    good, bad, amber = tmp_path / "good.html", tmp_path / "bad.html", tmp_path / "amber.html"
    trust = trust_file(tmp_path, *DEMO_DIDS)
    assert main(["report", str(signed), "-o", str(good), "--now", NOW, "--trust", str(trust)]) == 0
    # without a trust source: authentic signature, issuer not confirmed (issue 14)
    assert main(["report", str(signed), "-o", str(amber), "--now", NOW]) == 3
    page = amber.read_text()
    assert "NOT CONFIRMED" in page and "DEMO KEY" in page and "as written in the file" in page
    doc = json.loads(signed.read_text())
    doc["credentialSubject"]["hasClaim"]["specifiedBy"]["creditPoint"]["point"] = "30"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(doc))
    assert main(["report", str(tampered), "-o", str(bad), "--now", NOW]) == 1
    _screenshot(good, tmp_path / "good.png")
    _screenshot(bad, tmp_path / "bad.png")
    _screenshot(amber, tmp_path / "amber.png")
    green, red, brown = (0x1B, 0x7A, 0x33), (0xB3, 0x26, 0x1E), (0x8A, 0x61, 0x00)
    assert _colour_share(tmp_path / "amber.png", brown) > 0.03
    assert _colour_share(tmp_path / "amber.png", green) < 0.001
    assert _colour_share(tmp_path / "good.png", green) > 0.03
    assert _colour_share(tmp_path / "good.png", red) < 0.001
    assert _colour_share(tmp_path / "bad.png", red) > 0.03
    assert _colour_share(tmp_path / "bad.png", green) < 0.001


GUIDE_IMAGES = Path(__file__).resolve().parents[1] / "docs" / "img"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (.ci/run installs it)")
def test_officer_guide_screenshots(tmp_path: Path) -> None:
    """The four reports of docs/officer-guide.md, rendered in headless Chromium: verified,
    forged, revoked, issuer not confirmed. ``MCVC_WRITE_DOCS=1`` writes them to docs/img."""
    from mcvc import build_credential, elements_from_dict, generate_key, save_key, sign
    from mcvc.status.bitstring import Bitstring
    from mcvc.status.lists import status_entry, status_list_credential

    root = Path(__file__).resolve().parents[1]
    key = generate_key()
    save_key(key, tmp_path / "key.json")
    list_url = "https://credentials.cuni.example/status/1"
    doc = build_credential(
        elements_from_dict(json.loads((root / "examples" / "microcredential.json").read_text())),
        issuer=key.did_key,
    )
    doc["@context"] = [*doc["@context"], "https://www.w3.org/ns/credentials/status/v1"]
    doc["credentialStatus"] = status_entry(list_url, 4242)
    signed = sign(doc, key)
    files = {"verified": signed, "forged": json.loads(json.dumps(signed))}
    files["forged"]["credentialSubject"]["hasClaim"]["specifiedBy"]["creditPoint"]["point"] = "30"
    created = signed["proof"]["created"]
    good_list = sign(
        status_list_credential(list_url, key.did_key, Bitstring.empty(), valid_from=_utc(created)),
        key,
    )
    revoked_list = sign(
        status_list_credential(
            list_url, key.did_key, Bitstring.empty().with_value(4242, 1), valid_from=_utc(created)
        ),
        key,
    )
    (tmp_path / "list.json").write_text(json.dumps(good_list))
    (tmp_path / "revoked-list.json").write_text(json.dumps(revoked_list))
    trust = tmp_path / "trust.json"
    trust.write_text(
        json.dumps(
            {
                "name": "Recognised issuers (example)",
                "issuers": [{"did": key.did_key, "legal_name": "Charles University"}],
            }
        )
    )
    cases = {
        "verified": (
            files["verified"],
            ["--trust", str(trust), "--status-list", str(tmp_path / "list.json")],
            0,
        ),
        "forged": (
            files["forged"],
            ["--trust", str(trust), "--status-list", str(tmp_path / "list.json")],
            1,
        ),
        "revoked": (
            files["verified"],
            ["--trust", str(trust), "--status-list", str(tmp_path / "revoked-list.json")],
            1,
        ),
        "unconfirmed": (files["verified"], ["--status-list", str(tmp_path / "list.json")], 3),
    }
    out = GUIDE_IMAGES if os.environ.get("MCVC_WRITE_DOCS") == "1" else tmp_path
    out.mkdir(exist_ok=True)
    colours = {
        "verified": (0x1B, 0x7A, 0x33),
        "forged": (0xB3, 0x26, 0x1E),
        "revoked": (0xB3, 0x26, 0x1E),
        "unconfirmed": (0x8A, 0x61, 0x00),
    }
    for name, (credential, options, code) in cases.items():
        source = tmp_path / f"{name}.json"
        source.write_text(json.dumps(credential))
        page = tmp_path / f"{name}.html"
        assert main(["report", str(source), "-o", str(page), *options]) == code, name
        png = out / f"officer-{name}.png"
        _screenshot(page, png)
        assert _colour_share(png, colours[name]) > 0.03, name


def _utc(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))
