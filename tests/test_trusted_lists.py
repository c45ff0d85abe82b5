"""EU Trusted Lists as a trust source for Europass seals (issue 14): a LOTL and national lists
generated and signed here with test certificates, served by a local HTTP server for the update
path, and the three real sealed samples verified against them."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from mcvc import verify
from mcvc.cli import main
from mcvc.jades.certs import TrustAnchors
from mcvc.jades.envelope import parse_envelope
from mcvc.net import Fetcher, FetchPolicy, guarded_client
from mcvc.tsl import TrustedListError, TrustedLists, verify_signed_list
from mcvc.tsl.store import verify_lotl

from .conftest import NOW, SAMPLES
from .tsl_helpers import ServiceSpec, Signer, sign_list, trusted_list

SEALED = {
    "elm-v3-mc-annex1-signed.jsonld": "ES",
    "elm-v3-certofpart-signed.jsonld": "ES",
    "mynextid-edc-mc-signed.jsonld": "SI",
}
UPDATED = datetime(2026, 11, 1, tzinfo=UTC)


def _issuing_ca(name: str) -> x509.Certificate:
    sig = parse_envelope(json.loads((SAMPLES / name).read_bytes())).signatures[0]
    return next(c for c in sig.unprotected_certificates if c.subject == sig.certificate.issuer)


def _sig_time(name: str) -> datetime:
    sig = parse_envelope(json.loads((SAMPLES / name).read_bytes())).signatures[0]
    return datetime.fromisoformat(sig.sig_time.replace("Z", "+00:00"))


class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def signers() -> dict[str, Signer]:
    return {
        "lotl": Signer.new("Test LOTL signer"),
        "ES": Signer.new("Test ES TL"),
        "SI": Signer.new("Test SI TL"),
    }


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    root = tmp_path / "site"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Files, directory=str(root))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _publish(
    site: tuple[Path, str],
    signers: dict[str, Signer],
    services: dict[str, list[ServiceSpec]],
    **kw: Any,
) -> str:
    folder, base = site
    for territory, specs in services.items():
        xml = sign_list(trusted_list(territory, services=specs, **kw), signers[territory])
        (folder / f"{territory}.xml").write_bytes(xml)
    pointers = [(f"{base}/{t}.xml", t, signers[t].cert) for t in services]
    (folder / "lotl.xml").write_bytes(
        sign_list(trusted_list("EU", pointers=pointers), signers["lotl"])
    )
    return f"{base}/lotl.xml"


def _fetcher() -> Fetcher:
    policy = FetchPolicy(allow_http=True, allow_private=True, timeout=10)
    return Fetcher(guarded_client(policy), policy)


def _granted() -> dict[str, list[ServiceSpec]]:
    return {
        "ES": [
            ServiceSpec(
                "ANF qualified e-seal CA (test listing)",
                _issuing_ca("elm-v3-mc-annex1-signed.jsonld"),
            )
        ],
        "SI": [
            ServiceSpec(
                "Halcom e-seal CA (test listing)", _issuing_ca("mynextid-edc-mc-signed.jsonld")
            )
        ],
    }


def _store(
    tmp_path: Path,
    site: tuple[Path, str],
    signers: dict[str, Signer],
    services: dict[str, list[ServiceSpec]],
    **kw: Any,
) -> TrustedLists:
    url = _publish(site, signers, services, **kw)
    return TrustedLists.update(tmp_path / "trust", _fetcher(), url, [signers["lotl"].cert], UPDATED)


@pytest.mark.parametrize("name", sorted(SEALED))
def test_real_seals_verify_against_a_signed_trusted_list(
    name: str, tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    store = _store(tmp_path, site, signers, _granted())
    assert sorted(store.lists) == ["ES", "SI"] and store.problems == {}
    report = verify((SAMPLES / name).read_bytes(), now=NOW, anchors=store.anchors())
    trust = report.check("trust")
    assert trust is not None and trust.code == "OK", report.to_json()
    assert f"the {SEALED[name]} Trusted List" in trust.message and "granted since" in trust.message
    assert report.facet("issuer") == "pass" and report.trusted is True
    # which list vouched, as of when: the report carries it for the officer's case file
    assert trust.details["territory"] == SEALED[name] and trust.details["source"]
    assert trust.details["service"] and trust.details["provider"]
    assert trust.details["list_issued"].startswith("20") and trust.details["fetched"]
    assert "granted since 20" in trust.message
    # the MyNextID sample's status entries cannot be checked: intact and confirmed, not valid
    assert report.outcome == ("inconclusive" if name.startswith("mynextid") else "verified")


def _withdrawn_before_sealing(name: str) -> ServiceSpec:
    """The sample's CA, granted in 2016 and withdrawn in the year before the seal was made."""
    return ServiceSpec(
        "ANF (withdrawn)",
        _issuing_ca(name),
        status="withdrawn",
        since=datetime(_sig_time(name).year - 1, 1, 1, tzinfo=UTC),
        history=(("granted", datetime(2016, 7, 1, tzinfo=UTC)),),
    )


def test_service_withdrawn_before_the_signing_time(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    name = "elm-v3-mc-annex1-signed.jsonld"
    withdrawn = _withdrawn_before_sealing(name)
    store = _store(tmp_path, site, signers, {"ES": [withdrawn], "SI": _granted()["SI"]})
    report = verify((SAMPLES / name).read_bytes(), now=NOW, anchors=store.anchors())
    trust = report.check("trust")
    assert trust is not None and (trust.code, trust.outcome) == ("SERVICE_NOT_GRANTED", "error")
    assert "was withdrawn at the signing time" in trust.message
    assert trust.details["territory"] == "ES" and trust.details["service"] == "ANF (withdrawn)"
    assert report.outcome == "unconfirmed" and report.trusted is False


def test_service_withdrawn_after_the_signing_time_still_vouches(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    name = "elm-v3-mc-annex1-signed.jsonld"
    later = ServiceSpec(
        "ANF (withdrawn later)",
        _issuing_ca(name),
        status="withdrawn",
        since=datetime(2026, 6, 1, tzinfo=UTC),
        history=(("granted", datetime(2016, 7, 1, tzinfo=UTC)),),
    )
    assert _sig_time(name) < later.since
    store = _store(tmp_path, site, signers, {"ES": [later], "SI": _granted()["SI"]})
    report = verify((SAMPLES / name).read_bytes(), now=NOW, anchors=store.anchors())
    assert report.check("trust").code == "OK" and report.outcome == "verified"  # type: ignore[union-attr]
    assert report.trusted is True


def test_expired_list_is_not_relied_on(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    store = _store(
        tmp_path,
        site,
        signers,
        _granted(),
        issued=datetime(2026, 1, 1, tzinfo=UTC),
        next_update=datetime(2026, 6, 1, tzinfo=UTC),
    )
    report = verify(
        (SAMPLES / "elm-v3-mc-annex1-signed.jsonld").read_bytes(), now=NOW, anchors=store.anchors()
    )
    trust = report.check("trust")
    assert trust is not None and (trust.code, trust.outcome) == ("TSL_EXPIRED", "error")
    assert (
        "was due for replacement on 2026-06-01" in trust.message
        and "mcvc trust update" in trust.message
    )
    assert trust.details["territory"] == "ES"
    assert report.outcome == "unconfirmed" and report.trusted is False


def _publish_es_without(site: tuple[Path, str], signers: dict[str, Signer], *names: str) -> str:
    """The site of _publish with the ES list signed without these SchemeInformation elements."""
    url = _publish(site, signers, _granted())
    es = trusted_list("ES", services=_granted()["ES"])
    info = es.find("{*}SchemeInformation")
    for name in names:
        info.remove(info.find("{*}" + name))
    (site[0] / "ES.xml").write_bytes(sign_list(es, signers["ES"]))
    return url


def test_a_closed_list_is_not_relied_on(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    # a list without NextUpdate is closed (ETSI TS 119 612 5.3.15), whatever its services say
    url = _publish_es_without(site, signers, "NextUpdate")
    store = TrustedLists.update(tmp_path / "t", _fetcher(), url, [signers["lotl"].cert], UPDATED)
    report = verify(
        (SAMPLES / "elm-v3-mc-annex1-signed.jsonld").read_bytes(), now=NOW, anchors=store.anchors()
    )
    trust = report.check("trust")
    assert trust is not None and (trust.code, trust.outcome) == ("TSL_EXPIRED", "error")
    assert trust.message.endswith(
        "has no next update, which marks a closed list: it is not relied on"
    )
    assert report.outcome == "unconfirmed"


def test_tampered_lists_are_refused_when_fetched_and_when_read(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    folder, _ = site
    url = _publish(site, signers, _granted())
    # a national list changed after signing: refused at update, the other lists still kept
    es = folder / "ES.xml"
    es.write_bytes(es.read_bytes().replace(b"test listing", b"TEST LISTING"))
    store = TrustedLists.update(
        tmp_path / "trust", _fetcher(), url, [signers["lotl"].cert], UPDATED
    )
    assert "ES" not in store.lists
    assert "does not verify" in store.problems["ES"] and "SI" in store.lists
    report = verify(
        (SAMPLES / "elm-v3-mc-annex1-signed.jsonld").read_bytes(), now=NOW, anchors=store.anchors()
    )
    assert report.facet("issuer") == "unknown"
    # a list changed on disk after it was stored is left out when read
    si = tmp_path / "trust" / "tl-SI.xml"
    si.write_bytes(si.read_bytes().replace(b"test listing", b"TEST LISTING"))
    assert "SI" not in TrustedLists.load(tmp_path / "trust").lists
    # the LOTL signed by someone else is refused outright
    with pytest.raises(TrustedListError) as caught:
        TrustedLists.update(
            tmp_path / "other", _fetcher(), url, [Signer.new("not the LOTL signer").cert], UPDATED
        )
    assert caught.value.code == "TSL_SIGNATURE_INVALID"
    lotl = tmp_path / "trust" / "lotl.xml"
    lotl.write_bytes(
        lotl.read_bytes().replace(b"Test supervisory body EU", b"Evil supervisory body")
    )
    with pytest.raises(TrustedListError):
        TrustedLists.load(tmp_path / "trust")


def test_signature_must_cover_the_whole_list(signers: dict[str, Signer]) -> None:
    xml = sign_list(trusted_list("ES", services=_granted()["ES"]), signers["ES"])
    doc, _ = verify_signed_list(xml, [signers["ES"].cert])
    assert doc.territory == "ES" and len(doc.services) == 1
    unsigned = xml.split(b"<ds:Signature")[0] + b"</TrustServiceStatusList>"
    with pytest.raises(TrustedListError) as caught:
        verify_signed_list(unsigned, [signers["ES"].cert])
    assert caught.value.code == "TSL_SIGNATURE_INVALID"
    with pytest.raises(TrustedListError) as caught:
        verify_signed_list(
            b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
            [signers["ES"].cert],
        )
    assert caught.value.code in ("TSL_FORMAT", "TSL_SIGNATURE_INVALID")


def test_cli_trust_update_show_and_verify(
    tmp_path: Path,
    site: tuple[Path, str],
    signers: dict[str, Signer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = _publish(site, signers, _granted())
    pins = tmp_path / "lotl-pins.pem"
    pins.write_bytes(signers["lotl"].pem())
    folder = tmp_path / "trust"
    assert main(["trust", "update", "--dir", str(folder), "--lotl", url]) == 2  # no pins: refused
    assert "--pin" in capsys.readouterr().err
    args = ["trust", "update", "--dir", str(folder), "--lotl", url, "--pin", str(pins)]
    assert main([*args, "--allow-http", "--allow-private"]) == 0
    out = capsys.readouterr().out
    assert "ES" in out and "SI" in out
    assert main(["trust", "show", "--dir", str(folder)]) == 0
    assert "fetched" in capsys.readouterr().out
    sealed = str(SAMPLES / "elm-v3-mc-annex1-signed.jsonld")
    assert (
        main(["verify", sealed, "--trusted-lists", str(folder), "--now", "2026-11-01T12:00:00Z"])
        == 0
    )
    assert "the ES Trusted List" in capsys.readouterr().out


class _DictFetcher:
    """A fetcher that serves bytes from a dict (the update path without a server)."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def get(self, url: str, *, accept: str = "") -> bytes:
        return self.files[url]


def test_service_verifies_seals_against_stored_trusted_lists(
    tmp_path: Path, signers: dict[str, Signer]
) -> None:
    import httpx

    from .service_helpers import base_config, free_port, running

    granted = _granted()
    files = {
        f"https://tl.test/{t}.xml": sign_list(trusted_list(t, services=specs), signers[t])
        for t, specs in granted.items()
    }
    pointers = [(f"https://tl.test/{t}.xml", t, signers[t].cert) for t in granted]
    files["https://tl.test/lotl.xml"] = sign_list(
        trusted_list("EU", pointers=pointers), signers["lotl"]
    )
    TrustedLists.update(
        tmp_path / "tl",
        _DictFetcher(files),
        "https://tl.test/lotl.xml",
        [signers["lotl"].cert],
        UPDATED,
    )
    port = free_port()
    config = base_config(
        port,
        f"sqlite:///{tmp_path / 'l.db'}",
        verify={"trusted_lists": str(tmp_path / "tl"), "policy": "officer"},
    )
    sealed = json.loads((SAMPLES / "elm-v3-mc-annex1-signed.jsonld").read_bytes())
    with running(config) as url:
        answer = httpx.post(
            f"{url}/credentials/verify", json={"verifiableCredential": sealed}, timeout=60
        )
    body = answer.json()
    assert answer.status_code == 200, answer.text
    assert body["outcome"] == "verified" and body["facets"]["issuer"] == "pass"
    trust = next(c for c in body["checks"] if c["check"] == "trust")
    assert "the ES Trusted List" in trust["message"]


def test_a_service_not_yet_listed_and_a_list_due_exactly_now(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    name = "elm-v3-mc-annex1-signed.jsonld"
    sealed_at = _sig_time(name)
    later = ServiceSpec(
        "ANF (listed later)",
        _issuing_ca(name),
        since=datetime(sealed_at.year + 1, 1, 1, tzinfo=UTC),
    )
    store = _store(tmp_path, site, signers, {"ES": [later], "SI": _granted()["SI"]})
    trust = verify((SAMPLES / name).read_bytes(), now=NOW, anchors=store.anchors()).check("trust")
    assert trust is not None and trust.code == "SERVICE_NOT_GRANTED"
    assert "was not listed yet at the signing time" in trust.message
    # a list is relied on up to and including its next update
    due = _store(
        tmp_path / "due",
        site,
        signers,
        _granted(),
        issued=datetime(2026, 1, 1, tzinfo=UTC),
        next_update=NOW,
    )
    on_time = verify((SAMPLES / name).read_bytes(), now=NOW, anchors=due.anchors())
    assert on_time.check("trust").code == "OK", on_time.to_json()  # type: ignore[union-attr]


# --- one national list given as a file (--anchors) ---------------------------------------


def _list_file(tmp_path: Path, signer: Signer, specs: list[ServiceSpec]) -> Path:
    path = tmp_path / "tl-ES.xml"
    path.write_bytes(sign_list(trusted_list("ES", services=specs), signer))
    return path


def test_a_signed_trusted_list_file_gives_anchors_with_its_services(
    tmp_path: Path, signers: dict[str, Signer]
) -> None:
    name = "elm-v3-mc-annex1-signed.jsonld"
    path = _list_file(tmp_path, signers["ES"], _granted()["ES"])
    anchors = TrustAnchors.load(path)
    assert anchors.certificates == (_issuing_ca(name),)
    assert anchors.source == (
        f"the Trusted List {path} (ES, sequence 7, signed by CN=Test ES TL,OU=TEST CA - NOT FOR PRODUCTION,O=Test ES TL,C=EU; "
        "that signer "
        "was not checked against the EU LOTL)"
    )
    report = verify((SAMPLES / name).read_bytes(), now=NOW, anchors=anchors)
    trust = report.check("trust")
    assert trust is not None and trust.code == "OK", report.to_json()
    assert trust.details["territory"] == "ES" and report.outcome == "verified"
    pinned = TrustAnchors.load(path, [signers["lotl"].cert, signers["ES"].cert])
    assert pinned.source.endswith("O=Test ES TL,C=EU)")
    with pytest.raises(TrustedListError) as caught:
        TrustAnchors.load(path, [signers["SI"].cert])
    assert caught.value.code == "TSL_SIGNATURE_INVALID"
    with pytest.raises(TrustedListError) as caught:
        TrustAnchors.load(path, [])
    assert caught.value.code == "TSL_NOT_PINNED"


def test_a_trusted_list_file_changed_after_signing_is_refused(
    tmp_path: Path, signers: dict[str, Signer]
) -> None:
    name = "elm-v3-mc-annex1-signed.jsonld"
    withdrawn = _withdrawn_before_sealing(name)
    path = _list_file(tmp_path, signers["ES"], [withdrawn])
    # as signed: the service was withdrawn before the seal was made
    report = verify((SAMPLES / name).read_bytes(), now=NOW, anchors=TrustAnchors.load(path))
    assert report.check("trust").code == "SERVICE_NOT_GRANTED"  # type: ignore[union-attr]
    assert report.outcome == "unconfirmed"
    # the status flipped back to granted by someone without the signing key
    data = path.read_bytes()
    assert data.count(b"Svcstatus/withdrawn") == 1
    path.write_bytes(data.replace(b"Svcstatus/withdrawn", b"Svcstatus/granted"))
    with pytest.raises(TrustedListError) as caught:
        TrustAnchors.load(path)
    assert caught.value.code == "TSL_SIGNATURE_INVALID"
    code = main(["verify", str(SAMPLES / name), "--anchors", str(path)])
    assert code == 2


def test_cli_anchors_from_a_trusted_list_file_with_its_signer_pinned(
    tmp_path: Path, signers: dict[str, Signer], capsys: pytest.CaptureFixture[str]
) -> None:
    name = "elm-v3-mc-annex1-signed.jsonld"
    path = _list_file(tmp_path, signers["ES"], _granted()["ES"])
    es, si = tmp_path / "es.pem", tmp_path / "si.pem"
    es.write_bytes(signers["ES"].pem())
    si.write_bytes(signers["SI"].pem())
    sample = str(SAMPLES / name)
    moment = ["--now", NOW.isoformat()]
    assert (
        main(["verify", sample, "--anchors", str(path), "--anchors-signer", str(es), *moment]) == 0
    )
    capsys.readouterr()
    assert (
        main(["verify", sample, "--anchors", str(path), "--anchors-signer", str(si), *moment]) == 2
    )
    err = capsys.readouterr().err
    assert err.startswith(f"mcvc verify: --anchors: {path}: the signature does not verify"), err
    assert main(["verify", sample, "--anchors-signer", str(es)]) == 2
    assert "give --anchors" in capsys.readouterr().err


# --- pivot LOTLs: the Commission's key rotations, followed from the Official Journal pins -------

OJ = "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:52019XC1016(01)"


def _pivoted_site(
    site: tuple[Path, str],
    signers: dict[str, Signer],
    chain: list[Signer],
    *,
    announce: bool = True,
) -> str:
    """A LOTL signed by chain[-1], reached from the pins (chain[0]) through one pivot LOTL per
    rotation: pivot i is signed by chain[i] and announces chain[i + 1]."""
    folder, base = site
    services = _granted()
    for territory, specs in services.items():
        xml = sign_list(trusted_list(territory, services=specs), signers[territory])
        (folder / f"{territory}.xml").write_bytes(xml)
    national = [(f"{base}/{t}.xml", t, signers[t].cert) for t in services]

    def lotl(signer_cert: Any, uris: list[str]) -> Any:
        own = [(f"{base}/lotl.xml", "EU", signer_cert)] if announce else []
        return trusted_list("EU", pointers=national + own, uris=uris)

    pivots: list[str] = []
    for i in range(len(chain) - 1):
        url = f"{base}/pivot-{i + 1}.xml"
        older = [OJ, *reversed(pivots)]
        (folder / f"pivot-{i + 1}.xml").write_bytes(
            sign_list(lotl(chain[i + 1].cert, older), chain[i])
        )
        pivots.append(url)
    current = lotl(chain[-1].cert, [OJ, *reversed(pivots)])
    (folder / "lotl.xml").write_bytes(sign_list(current, chain[-1]))
    return f"{base}/lotl.xml"


def test_pivot_lotls_carry_the_pins_to_the_current_signers(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    rotated, again = Signer.new("Test LOTL signer 2"), Signer.new("Test LOTL signer 3")
    url = _pivoted_site(site, signers, [signers["lotl"], rotated, again])
    folder = tmp_path / "trust"
    store = TrustedLists.update(folder, _fetcher(), url, [signers["lotl"].cert], UPDATED)
    assert sorted(store.lists) == ["ES", "SI"] and store.problems == {}
    index = json.loads((folder / "index.json").read_text())
    assert [p["url"] for p in index["pivots"]] == [
        url.replace("lotl.xml", "pivot-1.xml"),
        url.replace("lotl.xml", "pivot-2.xml"),
    ]
    # offline, the chain is verified again from the pins kept in the folder
    again_read = TrustedLists.load(folder)
    assert sorted(again_read.lists) == ["ES", "SI"]
    report = verify(
        (SAMPLES / "elm-v3-mc-annex1-signed.jsonld").read_bytes(),
        now=NOW,
        anchors=again_read.anchors(),
    )
    assert report.outcome == "verified", report.to_json()
    # a pivot changed on disk breaks the chain
    pivot = folder / "pivot-1.xml"
    pivot.write_bytes(pivot.read_bytes().replace(b"Test supervisory body EU", b"Someone else"))
    with pytest.raises(TrustedListError) as caught:
        TrustedLists.load(folder)
    assert caught.value.code == "TSL_SIGNATURE_INVALID"
    assert "the pivot LOTL" in str(caught.value)


def test_a_lotl_signed_by_a_stranger_is_not_rescued_by_pivots_it_names(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    stranger, accomplice = Signer.new("Not the Commission"), Signer.new("Also not")
    # the stranger's own pivot "announces" the stranger: it is not signed with the pins
    url = _pivoted_site(site, signers, [accomplice, stranger])
    with pytest.raises(TrustedListError) as caught:
        TrustedLists.update(tmp_path / "t", _fetcher(), url, [signers["lotl"].cert], UPDATED)
    assert caught.value.code == "TSL_SIGNATURE_INVALID"
    assert str(caught.value).startswith("the pivot LOTL ")
    assert not (tmp_path / "t" / "lotl.xml").exists()
    # without any pivot, a LOTL signed by someone else is refused as before
    url = _pivoted_site(site, signers, [stranger])
    with pytest.raises(TrustedListError) as caught:
        TrustedLists.update(tmp_path / "t", _fetcher(), url, [signers["lotl"].cert], UPDATED)
    assert caught.value.code == "TSL_SIGNATURE_INVALID"
    assert str(caught.value).startswith("the List of Trusted Lists: ")


def test_a_pivot_must_announce_the_next_signers_and_pivots_are_few(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    rotated = Signer.new("Test LOTL signer 2")
    url = _pivoted_site(site, signers, [signers["lotl"], rotated], announce=False)
    with pytest.raises(TrustedListError) as caught:
        TrustedLists.update(tmp_path / "t", _fetcher(), url, [signers["lotl"].cert], UPDATED)
    assert caught.value.code == "TSL_PIVOT"
    assert str(caught.value).endswith("announces no LOTL-signing certificates")
    folder, base = site
    many = [f"{base}/missing-{i}.xml" for i in range(17)]
    lotl = trusted_list("EU", uris=[OJ, *many])
    (folder / "lotl.xml").write_bytes(sign_list(lotl, rotated))
    with pytest.raises(TrustedListError) as caught:  # refused before fetching any
        TrustedLists.update(
            tmp_path / "t", _fetcher(), f"{base}/lotl.xml", [signers["lotl"].cert], UPDATED
        )
    assert caught.value.code == "TSL_PIVOT"
    assert "names 17 pivot LOTLs; at most 16 are followed" in str(caught.value)
    with pytest.raises(TrustedListError) as caught:  # the offline reading holds the same bound
        verify_lotl(b"<x/>", [signers["lotl"].cert], [("p", b"<x/>")] * 17)
    assert caught.value.code == "TSL_PIVOT"


def test_a_stored_folder_reads_back_as_it_was_fetched(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    from mcvc.tsl.store import ListedService

    folder = tmp_path / "trust"
    _store(tmp_path, site, signers, _granted())
    stamp = UPDATED.isoformat()
    store = TrustedLists.load(folder)
    assert store.folder == folder
    assert store.fetched == {"LOTL": stamp, "ES": stamp, "SI": stamp}
    assert store.problems == {}
    services = store.services()
    assert [(s.territory, s.service.name) for s in services] == [
        ("ES", "ANF qualified e-seal CA (test listing)"),
        ("SI", "Halcom e-seal CA (test listing)"),
    ]
    es = services[0]
    assert isinstance(es, ListedService) and es.fetched == stamp
    assert (es.list_issued, es.next_update) == (
        store.lists["ES"].issued,
        store.lists["ES"].next_update,
    )
    anchors = store.anchors()
    assert anchors.source == f"the EU Trusted Lists in {folder} (LOTL fetched {stamp})"
    assert anchors.services[es.service.certificates[0].fingerprint(hashes.SHA256())] == es
    # pins given to load take the place of the stored ones
    other = Signer.new("Not the LOTL signer")
    with pytest.raises(TrustedListError) as caught:
        TrustedLists.load(folder, [other.cert])
    assert caught.value.code == "TSL_SIGNATURE_INVALID"
    # a national list changed on disk is left out and named with its code
    (folder / "tl-ES.xml").write_bytes((folder / "tl-ES.xml").read_bytes().replace(b"ANF", b"ANX"))
    again = TrustedLists.load(folder)
    assert sorted(again.lists) == ["SI"]
    assert again.problems["ES"].startswith("TSL_SIGNATURE_INVALID: trusted list ES: ")
    # an index without fetch times reads as unknown times
    index = json.loads((folder / "index.json").read_text())
    index["lotl"].pop("fetched")
    index["lists"]["SI"].pop("fetched")
    (folder / "index.json").write_text(json.dumps(index))
    bare = TrustedLists.load(folder)
    assert bare.fetched == {"LOTL": "", "SI": ""}
    assert bare.anchors().source.endswith("(LOTL fetched at an unknown time)")


def test_the_index_records_what_was_fetched_from_where(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    import hashlib

    url = _publish(site, signers, _granted())
    folder = tmp_path / "trust"
    TrustedLists.update(folder, _fetcher(), url, [signers["lotl"].cert], UPDATED)
    index = json.loads((folder / "index.json").read_text("utf-8"))
    root, base = site
    stamp = UPDATED.isoformat()
    assert index["lotl"] == {
        "url": url,
        "fetched": stamp,
        "sha256": hashlib.sha256((root / "lotl.xml").read_bytes()).hexdigest(),
        "sequence": 7,
    }
    assert index["pivots"] == []
    assert index["lists"]["ES"] == {
        "url": f"{base}/ES.xml",
        "fetched": stamp,
        "sha256": hashlib.sha256((root / "ES.xml").read_bytes()).hexdigest(),
        "sequence": 7,
        "issued": "2026-10-01T00:00:00+00:00",
        "next_update": "2027-03-30T00:00:00+00:00",
    }
    assert (folder / "tl-ES.xml").read_bytes() == (root / "ES.xml").read_bytes()
    assert (folder / "lotl-pins.pem").read_bytes() == signers["lotl"].pem()


def test_an_update_limited_to_a_territory_and_one_that_fails(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    url = _publish(site, signers, _granted())
    only = TrustedLists.update(
        tmp_path / "a", _fetcher(), url, [signers["lotl"].cert], UPDATED, territories=["SI"]
    )
    assert sorted(only.lists) == ["SI"] and only.problems == {}
    root, _base = site
    (root / "ES.xml").unlink()
    partial = TrustedLists.update(tmp_path / "b", _fetcher(), url, [signers["lotl"].cert], UPDATED)
    assert sorted(partial.lists) == ["SI"]
    assert partial.problems["ES"].startswith("TSL_UNREACHABLE: trusted list ES: ")
    assert not (tmp_path / "b" / "tl-ES.xml").exists()


# --- a folder read back when it is older, damaged or out of step with the LOTL -----------------


def test_an_older_or_sparse_index_is_read_as_far_as_it_goes(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    folder = tmp_path / "trust"
    _store(tmp_path, site, signers, _granted())
    index = json.loads((folder / "index.json").read_text())
    # an index written before pivot LOTLs were followed has no "pivots"
    (folder / "index.json").write_text(
        json.dumps({k: v for k, v in index.items() if k != "pivots"})
    )
    assert sorted(TrustedLists.load(folder).lists) == ["ES", "SI"]
    # no record of the LOTL fetch and no national list: the LOTL alone, fetched when unknown
    (folder / "index.json").write_text(json.dumps({"pivots": None}))
    bare = TrustedLists.load(folder)
    assert (bare.lists, bare.fetched, bare.problems) == ({}, {"LOTL": ""}, {})
    assert bare.anchors().source == (
        f"the EU Trusted Lists in {folder} (LOTL fetched at an unknown time)"
    )
    assert bare.anchors().certificates == ()
    # a list entry that is not an object still reads its (verified) list, fetched when unknown
    (folder / "index.json").write_text(json.dumps({"lists": {"SI": "yesterday"}}))
    assert TrustedLists.load(folder).fetched == {"LOTL": "", "SI": ""}


@pytest.mark.parametrize(
    ("index", "reason"),
    [
        ([], "index.json is not a JSON object"),
        ({"lists": ["ES"]}, "index.json: lists is not a JSON object"),
        ({"lotl": "today"}, "index.json: lotl is not a JSON object"),
        ({"pivots": {"url": "x"}}, "index.json: pivots is not a JSON array"),
        ({"pivots": [{"href": "x"}]}, "'url'"),
        ({"pivots": [{"url": "https://ec.example/pivot.xml"}]}, "pivot-0.xml"),
    ],
)
def test_a_damaged_index_is_refused_with_its_reason(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer], index: Any, reason: str
) -> None:
    folder = tmp_path / "trust"
    _store(tmp_path, site, signers, _granted())
    (folder / "index.json").write_text(json.dumps(index))
    with pytest.raises(TrustedListError) as caught:
        TrustedLists.load(folder)
    assert caught.value.code == "TSL_NOT_FETCHED"
    message = str(caught.value)
    assert message.startswith(f"{folder}: no usable trusted lists here (")
    assert message.endswith("); run mcvc trust update") and reason in message


def test_an_empty_folder_says_to_run_an_update(tmp_path: Path) -> None:
    with pytest.raises(TrustedListError) as caught:
        TrustedLists.load(tmp_path)
    assert caught.value.code == "TSL_NOT_FETCHED"
    assert str(caught.value) == (
        f"{tmp_path}: no usable trusted lists here ([Errno 2] No such file or directory: "
        f"'{tmp_path / 'index.json'}'); run mcvc trust update"
    )


def test_lists_no_longer_in_the_lotl_or_missing_are_named_with_their_code(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    folder = tmp_path / "trust"
    _store(tmp_path, site, signers, _granted())
    index = json.loads((folder / "index.json").read_text())
    index["lists"]["FR"] = {"url": "https://tl.example/fr.xml", "fetched": "x"}
    (folder / "index.json").write_text(json.dumps(index))
    (folder / "tl-ES.xml").unlink()  # the first one: the lists after it are still read
    store = TrustedLists.load(folder)
    assert sorted(store.lists) == ["SI"] and sorted(store.fetched) == ["LOTL", "SI"]
    assert store.problems == {
        "ES": f"TSL_NOT_FETCHED: [Errno 2] No such file or directory: '{folder / 'tl-ES.xml'}'",
        "FR": "TSL_NOT_LISTED: no longer in the LOTL",
    }


def test_services_of_lists_without_a_fetch_time(signers: dict[str, Signer]) -> None:
    from mcvc.tsl.parse import parse_trusted_list

    lotl = parse_trusted_list(trusted_list("EU"))
    es = parse_trusted_list(trusted_list("ES", services=_granted()["ES"]))
    store = TrustedLists(Path("nowhere"), lotl, lists={"ES": es})
    assert [(s.territory, s.fetched) for s in store.services()] == [("ES", "")]
    assert (
        store.anchors().source
        == "the EU Trusted Lists in nowhere (LOTL fetched at an unknown time)"
    )


def test_a_broken_pivot_is_named_by_its_location(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    rotated = Signer.new("Test LOTL signer 2")
    url = _pivoted_site(site, signers, [signers["lotl"], rotated])
    folder = tmp_path / "trust"
    TrustedLists.update(folder, _fetcher(), url, [signers["lotl"].cert], UPDATED)
    pivot_url = url.replace("lotl.xml", "pivot-1.xml")
    lotl = folder / "lotl.xml"
    lotl.write_bytes(lotl.read_bytes().replace(b"Test supervisory body EU", b"Someone else"))
    with pytest.raises(TrustedListError) as caught:
        TrustedLists.load(folder)
    assert str(caught.value).startswith(
        "the List of Trusted Lists (with the certificates of 1 pivot LOTL(s)): "
    )
    pivot = folder / "pivot-0.xml"
    pivot.write_bytes(pivot.read_bytes().replace(b"Test supervisory body EU", b"Someone else"))
    with pytest.raises(TrustedListError) as caught:
        TrustedLists.load(folder)
    assert str(caught.value).startswith(f"the pivot LOTL {pivot_url}: ")


def test_at_most_sixteen_pivots_are_followed(signers: dict[str, Signer]) -> None:
    from mcvc.tsl.store import MAX_PIVOTS

    assert MAX_PIVOTS == 16
    with pytest.raises(TrustedListError) as caught:  # sixteen are read (and fail to verify)
        verify_lotl(b"<x/>", [signers["lotl"].cert], [("p", b"<x/>")] * 16)
    assert caught.value.code != "TSL_PIVOT"
    with pytest.raises(TrustedListError) as caught:
        verify_lotl(b"<x/>", [signers["lotl"].cert], [("p", b"<x/>")] * 17)
    assert (caught.value.code, str(caught.value)) == (
        "TSL_PIVOT",
        "the List of Trusted Lists names 17 pivot LOTLs; at most 16 are followed",
    )


def test_an_update_reads_the_xml_pointers_whatever_their_order(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    # the real LOTL points to itself and to each list twice, in XML and as a PDF
    folder, base = site
    _publish(site, signers, _granted())
    url = f"{base}/lotl.xml"
    pointers = [
        (url, "EU", signers["lotl"].cert),
        (f"{base}/ES.pdf", "ES", signers["SI"].cert),
        (f"{base}/ES.xml", "ES", signers["ES"].cert),
        (f"{base}/SI.xml", "SI", signers["SI"].cert),
    ]
    lotl = trusted_list("EU", pointers=pointers)
    pdf = lotl.findall(".//{*}OtherTSLPointer")[1]
    next(pdf.iter("{*}MimeType")).text = "application/pdf"
    # a pointer without a mime type is taken for XML
    unmarked = next(lotl.findall(".//{*}OtherTSLPointer")[3].iter("{*}MimeType"))
    unmarked.getparent().remove(unmarked)
    (folder / "lotl.xml").write_bytes(sign_list(lotl, signers["lotl"]))
    trust = tmp_path / "trust"
    store = TrustedLists.update(trust, _fetcher(), url, [signers["lotl"].cert], UPDATED)
    assert sorted(store.lists) == ["ES", "SI"] and store.problems == {}
    assert sorted(json.loads((trust / "index.json").read_text())["lists"]) == ["ES", "SI"]
    # read back with the XML pointer's certificates, not the PDF pointer's
    assert sorted(TrustedLists.load(trust).lists) == ["ES", "SI"]
    only = TrustedLists.update(
        tmp_path / "only", _fetcher(), url, [signers["lotl"].cert], UPDATED, territories=["SI"]
    )
    assert sorted(only.lists) == ["SI"]


def test_update_failures_name_what_could_not_be_fetched_or_verified(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    folder, base = site
    with pytest.raises(TrustedListError) as caught:
        TrustedLists.update(
            tmp_path / "t", _fetcher(), f"{base}/none.xml", [signers["lotl"].cert], UPDATED
        )
    assert caught.value.code == "TSL_UNREACHABLE"
    assert str(caught.value).startswith("the List of Trusted Lists: ")
    url = _publish(site, signers, _granted())
    es = folder / "ES.xml"
    es.write_bytes(es.read_bytes().replace(b"test listing", b"TEST LISTING"))
    store = TrustedLists.update(tmp_path / "t", _fetcher(), url, [signers["lotl"].cert], UPDATED)
    assert store.problems["ES"].startswith("TSL_SIGNATURE_INVALID: trusted list ES: ")
    # sixteen pivots are followed (the first one missing here), seventeen are not
    stranger = Signer.new("Test LOTL signer 2")
    for count, code, start in (
        (16, "TSL_UNREACHABLE", f"the pivot LOTL {base}/missing-15.xml: "),
        (17, "TSL_PIVOT", "the List of Trusted Lists names 17 pivot LOTLs"),
    ):
        many = [f"{base}/missing-{i}.xml" for i in range(count)]
        (folder / "lotl.xml").write_bytes(sign_list(trusted_list("EU", uris=[OJ, *many]), stranger))
        with pytest.raises(TrustedListError) as caught:
            TrustedLists.update(tmp_path / "t", _fetcher(), url, [signers["lotl"].cert], UPDATED)
        assert caught.value.code == code and str(caught.value).startswith(start)


def test_an_update_records_each_pivot_and_replaces_a_damaged_index(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    import hashlib

    rotated = Signer.new("Test LOTL signer 2")
    url = _pivoted_site(site, signers, [signers["lotl"], rotated])
    trust = tmp_path / "trust"
    trust.mkdir()
    (trust / "index.json").write_text('["damaged"]')
    TrustedLists.update(trust, _fetcher(), url, [signers["lotl"].cert], UPDATED)
    root, base = site
    index = json.loads((trust / "index.json").read_text())
    assert index["pivots"] == [
        {
            "url": f"{base}/pivot-1.xml",
            "sha256": hashlib.sha256((root / "pivot-1.xml").read_bytes()).hexdigest(),
        }
    ]
    assert (trust / "pivot-0.xml").read_bytes() == (root / "pivot-1.xml").read_bytes()
    assert sorted(index["lists"]) == ["ES", "SI"]


def test_a_list_without_issue_or_next_update_times_is_recorded_without_them(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    url = _publish_es_without(site, signers, "ListIssueDateTime", "NextUpdate")
    store = TrustedLists.update(tmp_path / "t", _fetcher(), url, [signers["lotl"].cert], UPDATED)
    entry = json.loads((tmp_path / "t" / "index.json").read_text())["lists"]["ES"]
    assert (entry["issued"], entry["next_update"]) == ("", "")
    assert (store.lists["ES"].issued, store.lists["ES"].next_update) == (None, None)


def test_lists_are_asked_for_as_trusted_list_xml(
    tmp_path: Path, signers: dict[str, Signer]
) -> None:
    asked: list[tuple[str, str]] = []

    class Recording(_DictFetcher):
        def get(self, url: str, *, accept: str = "") -> bytes:
            asked.append((url, accept))
            return super().get(url, accept=accept)

    es = sign_list(trusted_list("ES", services=_granted()["ES"]), signers["ES"])
    lotl = sign_list(
        trusted_list("EU", pointers=[("https://tl.test/ES.xml", "ES", signers["ES"].cert)]),
        signers["lotl"],
    )
    files = {"https://tl.test/lotl.xml": lotl, "https://tl.test/ES.xml": es}
    TrustedLists.update(
        tmp_path / "tl",
        Recording(files),
        "https://tl.test/lotl.xml",
        [signers["lotl"].cert],
        UPDATED,
    )
    wanted = "application/vnd.etsi.tsl+xml, application/xml"
    assert asked == [("https://tl.test/lotl.xml", wanted), ("https://tl.test/ES.xml", wanted)]


def test_an_older_list_served_again_is_refused(
    tmp_path: Path, site: tuple[Path, str], signers: dict[str, Signer]
) -> None:
    folder, _base = site
    trust = tmp_path / "trust"
    url = _publish(site, signers, _granted(), sequence=9)
    TrustedLists.update(trust, _fetcher(), url, [signers["lotl"].cert], UPDATED)
    stored_es = (trust / "tl-ES.xml").read_bytes()
    # a genuine older ES list (sequence 8, the service withdrawn) served again: the stored
    # newer list is kept, the others are updated
    _publish(site, signers, _granted(), sequence=9)
    old_es = trusted_list(
        "ES", services=[_withdrawn_before_sealing("elm-v3-mc-annex1-signed.jsonld")], sequence=8
    )
    (folder / "ES.xml").write_bytes(sign_list(old_es, signers["ES"]))
    later = UPDATED + timedelta(days=1)
    store = TrustedLists.update(trust, _fetcher(), url, [signers["lotl"].cert], later)
    assert json.loads((trust / "index.json").read_text())["lists"]["SI"]["fetched"] == (
        later.isoformat()
    )
    assert store.problems == {
        "ES": "TSL_ROLLBACK: trusted list ES: sequence 8 is older than the stored sequence 9; "
        "the stored list is kept"
    }
    assert (trust / "tl-ES.xml").read_bytes() == stored_es and sorted(store.lists) == ["ES", "SI"]
    assert json.loads((trust / "index.json").read_text())["lists"]["ES"]["sequence"] == 9
    # the same sequence again is fine (a list re-fetched unchanged)
    (folder / "ES.xml").write_bytes(
        sign_list(trusted_list("ES", services=_granted()["ES"], sequence=9), signers["ES"])
    )
    assert (
        TrustedLists.update(trust, _fetcher(), url, [signers["lotl"].cert], UPDATED).problems == {}
    )
    # an older LOTL is refused outright, nothing changed
    lotl_before = (trust / "lotl.xml").read_bytes()
    pointers = [(f"{_base}/{t}.xml", t, signers[t].cert) for t in ("ES", "SI")]
    (folder / "lotl.xml").write_bytes(
        sign_list(trusted_list("EU", pointers=pointers, sequence=3), signers["lotl"])
    )
    with pytest.raises(TrustedListError) as caught:
        TrustedLists.update(trust, _fetcher(), url, [signers["lotl"].cert], UPDATED)
    assert (caught.value.code, str(caught.value)) == (
        "TSL_ROLLBACK",
        "the List of Trusted Lists: sequence 3 is older than the stored sequence 7; "
        "the stored list is kept",
    )
    assert (trust / "lotl.xml").read_bytes() == lotl_before
