"""Honest wording for a recognition officer (issue 14): what is not a credential is named as
such, elements of an unconfirmed credential are marked, dates of birth are dates, and a seal
certificate is not called qualified before a Trusted List says so."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mcvc import verify
from mcvc.cli import main
from mcvc.display import render_report
from mcvc.model.reader import birth_date

from .conftest import NOW, ROOT, SAMPLES, VECTORS


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        (b"PK\x03\x04\x14\x00", "a ZIP archive"),
        (b"", "the file is empty"),
        (b"  \n", "the file is empty"),
        (b"<!DOCTYPE html><html><body>Your diploma</body></html>", "an HTML or XML page"),
        (b"Dear officer, please find my credential attached.", "text that is not JSON"),
    ],
)
def test_input_that_is_not_a_credential_is_named(data: bytes, named: str) -> None:
    report = verify(data, now=NOW)
    check = report.check("parse")
    assert check is not None and check.code == "NOT_A_CREDENTIAL"
    assert named in check.message and report.outcome == "failed"
    text = render_report(report)
    assert text.startswith("NOT A DIGITAL CREDENTIAL: " + named)
    assert "do not rely" not in text


def test_cli_names_a_folder_and_a_renamed_pdf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    pdf = tmp_path / "credential.json"
    pdf.write_bytes(b"%PDF-1.4\n")
    assert main(["verify", str(pdf)]) == 1
    assert "NOT A DIGITAL CREDENTIAL: a PDF document" in capsys.readouterr().out


def test_elements_of_a_tampered_credential_are_marked() -> None:
    key_file = ROOT / "keys" / "demo-ed25519.json"
    from mcvc import build_credential, elements_from_dict, load_key, sign

    key = load_key(key_file)
    elements = elements_from_dict(
        json.loads((ROOT / "examples" / "microcredential.json").read_text())
    )
    doc = sign(build_credential(elements, issuer=key.controller_id), key)
    doc["credentialSubject"]["givenName"] = {"en": "Mallory"}
    text = render_report(verify(doc))
    assert "FAILED" in text
    assert "Standard elements, as written in the file (NOT confirmed" in text


def test_a_credential_signed_by_another_key_is_intact_but_not_from_its_issuer() -> None:
    # the W3C vector names https://vc.example/issuers/5678 and is signed by a did:key: the
    # content is exactly what was signed, the named issuer did not sign it
    doc = json.loads(
        (VECTORS / "vc-di-eddsa/TestVectors/eddsa-rdfc-2022/signedDataInt.json").read_text()
    )
    report = verify(doc, now=NOW)
    assert report.check("issuer").code == "ISSUER_MISMATCH"  # type: ignore[union-attr]
    assert report.facets == {"intact": "pass", "issuer": "fail", "valid": "pass"}
    assert report.outcome == "failed"
    text = render_report(report)
    assert "Intact:          yes: the signature or seal covers exactly this content" in text
    assert (
        "Issuer:          NO (the issuer is https://vc.example/issuers/5678 but the key belongs "
        "to did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2)"
    ) in text


def test_a_passing_binding_alone_does_not_confirm_the_issuer() -> None:
    from mcvc import build_credential, elements_from_dict, generate_key, sign

    key = generate_key("ed25519")
    elements = elements_from_dict(
        json.loads((ROOT / "examples" / "microcredential.json").read_text())
    )
    doc = build_credential(elements, issuer=key.controller_id)
    report = verify(sign(doc, key, created=datetime(2026, 10, 1, tzinfo=UTC)), now=NOW)
    assert report.check("issuer").outcome == "pass"  # type: ignore[union-attr]
    assert report.facets == {"intact": "pass", "issuer": "unknown", "valid": "pass"}
    assert report.outcome == "unconfirmed"
    assert "Issuer:          NOT confirmed (no trust source was given" in render_report(report)


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("1999-10-02", "1999-10-02"),
        ("1999-10-02T00:00:00+02:00", "1999-10-02"),
        ("1999-10-01T22:00:00Z", "1999-10-02 (written as 1999-10-01T22:00:00Z: midnight at UTC+2)"),
        ("1999-10-01T10:30:00Z", "1999-10-01 (written as 1999-10-01T10:30:00Z)"),
    ],
)
def test_dates_of_birth_are_dates(written: str, shown: str) -> None:
    assert birth_date(written) == shown


def test_seal_certificate_is_not_called_qualified_before_trust() -> None:
    report = verify((SAMPLES / "elm-v3-mc-annex1-signed.jsonld").read_bytes(), now=NOW)
    message = report.check("certificate").message  # type: ignore[union-attr]
    assert "declares itself a qualified e-seal certificate" in message
    assert "Trusted List must confirm" in message


def test_missing_elements_are_not_a_pass() -> None:
    report = verify((SAMPLES / "elm-v3-mc-annex1-signed.jsonld").read_bytes(), now=NOW)
    elements = report.check("elements")
    assert elements is not None and elements.code == "ELEMENTS_MISSING"
    assert elements.outcome == "fail" and elements.informative


def test_stacking_does_not_merge_people_by_a_placeholder_identifier(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # all three samples call their learner urn:epass:person:1: Ana Andromeda twice, Joe Done once
    files = [
        str(SAMPLES / n)
        for n in (
            "elm-v3-mc-annex1-signed.jsonld",
            "elm-v3-certofpart-signed.jsonld",
            "mynextid-edc-mc-signed.jsonld",
        )
    ]
    main(["verify", *files, "--json", "--now", "2026-11-01T12:00:00Z"])
    summary = json.loads(capsys.readouterr().out)["summary"]
    learners = {s["learner"]: s for s in summary}
    assert set(learners) == {"Ana Andromeda (born 1999-10-02)", "Joe Done in " + files[2]}
    ana = learners["Ana Andromeda (born 1999-10-02)"]
    assert ana["credentials"] == 2 and ana["grouped_by"] == "name and date of birth"
    main(["verify", *files[:2], "--now", "2026-11-01T12:00:00Z"])
    assert "WARNING: grouped by name and date of birth" in capsys.readouterr().out
