"""The registrar's cases of issue 15, through the command a registrar runs: the ledger bound to
its output folder, its issuer and its status lists; bad, repeated and oddly encoded rows;
template errors once; Ctrl-C; XLSX; rows from Python; did:web batches."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mcvc import generate_key, save_key, verify
from mcvc.cli import main
from mcvc.issuing.batch import TemplateError, issue_batch
from mcvc.issuing.ledger import Ledger, LedgerError

from .conftest import NOW, ROOT

KEY = ROOT / "keys" / "demo-ed25519.json"
TEMPLATE = ROOT / "examples" / "course-template.json"
BASE = "https://status.uni.example/lists/"
HEADER = "row_key,given_name,family_name,date_of_birth,grade\n"


def _csv(path: Path, rows: list[str], header: str = HEADER, encoding: str = "utf-8") -> Path:
    path.write_bytes((header + "".join(r + "\n" for r in rows)).encode(encoding))
    return path


def _batch(rows: Path, out: Path, *extra: str, key: Path = KEY) -> int:
    return main(
        [
            "issue-batch",
            str(rows),
            "--template",
            str(TEMPLATE),
            "--key",
            str(key),
            "--out",
            str(out),
            "--status-base",
            BASE,
            "--workers",
            "1",
            "--quiet",
            *extra,
        ]
    )


def _credentials(out: Path) -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text("utf-8")) for p in sorted(out.glob("*.json"))}


def test_the_same_batch_from_another_folder_issues_nothing_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _csv(tmp_path / "rows.csv", [f"R{i},Ana,Novak,2001-04-17,A" for i in range(3)])
    out = tmp_path / "issued"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    assert _batch(rows, out) == 0
    first = _credentials(out)
    assert (out / "mcvc-ledger.db").is_file() and not list((tmp_path / "a").iterdir())
    monkeypatch.chdir(tmp_path / "b")
    assert _batch(rows, out) == 0
    assert "issued 0, skipped as already issued 3" in capsys.readouterr().out
    assert _credentials(out) == first


def test_a_second_ledger_cannot_take_over_an_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _csv(tmp_path / "rows.csv", ["R1,Ana,Novak,2001-04-17,A"])
    out = tmp_path / "issued"
    assert _batch(rows, out) == 0
    capsys.readouterr()
    other = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    assert _batch(rows, out, "--ledger", other) == 2
    err = capsys.readouterr().err
    assert "[LEDGER_CONFLICT]" in err and "mcvc-ledger.db" in err
    assert Ledger(other).counts() == {}


def test_another_issuer_cannot_issue_into_or_revoke_on_these_lists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _csv(tmp_path / "rows.csv", ["R1,Ana,Novak,2001-04-17,A"])
    out = tmp_path / "issued"
    assert _batch(rows, out) == 0
    stranger = tmp_path / "stranger.json"
    save_key(generate_key(), stranger)
    capsys.readouterr()
    assert _batch(_csv(tmp_path / "more.csv", ["R2,Jan,Kos,1999-01-02,B"]), out, key=stranger) == 2
    assert "[STATUS_LIST_CONFLICT]" in capsys.readouterr().err
    ledger = f"sqlite:///{out / 'mcvc-ledger.db'}"
    before = Ledger(ledger).document(f"{BASE}1", sign_list=lambda *a: {}, now=NOW)  # type: ignore[arg-type]
    assert main(["revoke", "R1", "--issued", str(out), "--key", str(stranger)]) == 2
    assert "[LIST_ISSUER_MISMATCH]" in capsys.readouterr().err
    after = Ledger(ledger).document(f"{BASE}1", sign_list=lambda *a: {}, now=NOW)  # type: ignore[arg-type]
    assert after == before, "the list was neither changed nor re-signed"
    assert main(["revoke", "R1", "--issued", str(out), "--key", str(KEY)]) == 0
    assert main(["revoke", "R1", "--key", str(KEY)]) == 2
    assert "--issued FOLDER" in capsys.readouterr().err


def test_bad_and_repeated_rows_are_named_and_the_rest_issued(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _csv(
        tmp_path / "rows.csv",
        [
            "R1,Ana,Novak,2001-04-17,A",
            "R2,Jan,Kos,1999-01-02,B",
            "R1,Ana,Novakova,2001-04-17,A",
            "R3,Eva,Bartos,17.04.2001,C",
            "R4,Petr,Dvorak,2000-05-05,A",
        ],
    )
    out = tmp_path / "issued"
    assert _batch(rows, out) == 1
    printed = capsys.readouterr().out
    assert "issued 3" in printed and "failed 2" in printed
    assert "line 4" in printed and "repeats line 2" in printed
    assert "line 5" in printed and "date_of_birth" in printed
    ledger = Ledger(f"sqlite:///{out / 'mcvc-ledger.db'}")
    assert ledger.counts() == {"issued": 3}, "nothing is left reserved"
    names = {c["credentialSubject"]["familyName"]["en"] for c in _credentials(out).values()}
    assert names == {"Novak", "Kos", "Dvorak"}
    assert _batch(rows, out) == 1  # the same report again, nothing new
    assert ledger.counts() == {"issued": 3}


def test_encodings_are_refused_with_the_one_to_name_or_read_when_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _csv(tmp_path / "excel.csv", ["R1,Zoë,Müller,2001-04-17,A"], encoding="cp1252")
    out = tmp_path / "issued"
    assert _batch(rows, out) == 2
    err = capsys.readouterr().err
    assert "not UTF-8" in err and "line 2" in err and "--encoding cp1252" in err
    assert "[ROWS_ENCODING]" in err and "Traceback" not in err
    assert _batch(rows, out, "--encoding", "cp1252") == 0
    (credential,) = _credentials(out).values()
    assert credential["credentialSubject"]["givenName"]["en"] == "Zoë"
    bom = _csv(tmp_path / "bom.csv", ["R2,Zoë,Müller,2001-04-17,A"], encoding="utf-8-sig")
    assert _batch(bom, out) == 0


def test_semicolons_and_tabs_are_read(tmp_path: Path) -> None:
    for name, sep in (("semicolon", ";"), ("tab", "\t")):
        rows = _csv(
            tmp_path / f"{name}.csv",
            [sep.join([f"{name}-1", "Ana", "Novak", "2001-04-17", "A"])],
            header=sep.join(HEADER.strip().split(",")) + "\n",
        )
        out = tmp_path / name
        assert _batch(rows, out) == 0
        assert len(_credentials(out)) == 1


def test_a_template_error_is_reported_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = json.loads(TEMPLATE.read_text())
    template["ects"] = "lots"
    bad = tmp_path / "template.json"
    bad.write_text(json.dumps(template))
    rows = _csv(tmp_path / "rows.csv", [f"R{i},Ana,Novak,2001-04-17,A" for i in range(50)])
    out = tmp_path / "issued"
    code = main(
        [
            "issue-batch",
            str(rows),
            "--template",
            str(bad),
            "--key",
            str(KEY),
            "--out",
            str(out),
            "--status-base",
            BASE,
            "--quiet",
            "--workers",
            "1",
        ]
    )
    captured = capsys.readouterr()
    assert code == 2 and captured.err.count("ects") == 1, captured.err
    assert "course template" in captured.err and "no row was issued" in captured.err
    assert Ledger(f"sqlite:///{out / 'mcvc-ledger.db'}").counts() == {}


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_cleanly_and_the_rerun_resumes(tmp_path: Path) -> None:
    rows = _csv(tmp_path / "rows.csv", [f"R{i:04d},Ana,Novak,2001-04-17,A" for i in range(3000)])
    out = tmp_path / "issued"
    command = [
        sys.executable,
        "-m",
        "mcvc.cli",
        "issue-batch",
        str(rows),
        "--template",
        str(TEMPLATE),
        "--key",
        str(KEY),
        "--out",
        str(out),
        "--status-base",
        BASE,
        "--workers",
        "1",
        "--quiet",
    ]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a terminal's Ctrl-C reaches a process whose SIGINT is at its default; a test runner
        # started in the background (SIGINT ignored, which children inherit) must not decide
        preexec_fn=_sigint_default,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / ".mcvc-batch").exists():
            break
        time.sleep(0.01)
    ledger = Ledger(f"sqlite:///{out / 'mcvc-ledger.db'}")
    while time.monotonic() < deadline and proc.poll() is None:
        if ledger.counts().get("issued", 0) >= 64:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the batch ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "re-run the same command" in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert ledger.counts() == {"issued": 3000}
    assert len(list(out.glob("*.json"))) == 3000
    ledger.close()


def test_xlsx_rows(tmp_path: Path) -> None:
    from datetime import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["row_key", "given_name", "family_name", "date_of_birth", "grade"])
    sheet.append(["X1", "Ana", "Novak", dt(2001, 4, 17), "A"])
    sheet.append([None, None, None, None, None])
    sheet.append([2, "Jan", "Kos", "1999-01-02", 1])
    book.save(tmp_path / "rows.xlsx")
    out = tmp_path / "issued"
    assert _batch(tmp_path / "rows.xlsx", out) == 0
    subjects = [c["credentialSubject"] for c in _credentials(out).values()]
    assert sorted(s["dateOfBirth"][:10] for s in subjects) == ["1999-01-02", "2001-04-17"]


def test_rows_from_python_and_a_did_web_issuer(tmp_path: Path) -> None:
    did = "did:web:registrar.uni.example"
    rows = (
        {
            "row_key": f"db-{i}",
            "given_name": "Ana",
            "family_name": f"N{i}",
            "date_of_birth": "2001-04-17",
        }
        for i in range(3)
    )
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    summary = issue_batch(
        rows,
        json.loads(TEMPLATE.read_text()),
        key_path=KEY,
        ledger=ledger,
        out_dir=tmp_path / "out",
        status_base=BASE,
        workers=1,
        did=did,
    )
    assert (summary.issued, summary.failed) == (3, 0)
    credential = next(iter(_credentials(tmp_path / "out").values()))
    assert credential["issuer"]["id"] == did
    assert credential["proof"]["verificationMethod"] == f"{did}#key-1"
    from mcvc import did_web_document, load_key

    key = load_key(KEY).with_id(f"{did}#key-1", did)
    report = verify(credential, now=NOW, did_documents={did: did_web_document(did, [key])})
    assert report.check("proof").code == "OK" and report.check("issuer").code == "OK"  # type: ignore[union-attr]
    with pytest.raises(LedgerError) as info:
        issue_batch(
            [
                {
                    "row_key": "db-9",
                    "given_name": "Ana",
                    "family_name": "N",
                    "date_of_birth": "2001-04-17",
                }
            ],
            json.loads(TEMPLATE.read_text()),
            key_path=KEY,
            ledger=ledger,
            out_dir=tmp_path / "out",
            status_base=BASE,
            workers=1,
        )
    assert info.value.code == "STATUS_LIST_CONFLICT", "the did:key is another issuer"
    ledger.close()
    with pytest.raises(TemplateError):
        bad = {**json.loads(TEMPLATE.read_text()), "ects": "lots"}
        issue_batch(
            [{"row_key": "t", "given_name": "A", "family_name": "B"}],
            bad,
            key_path=KEY,
            ledger=Ledger(f"sqlite:///{tmp_path / 'l2.db'}"),
            out_dir=tmp_path / "out2",
            status_base=BASE,
            workers=1,
        )
