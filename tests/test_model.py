"""Standard elements: validation with field paths, rendering, reading real samples, profiles."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mcvc import ElementsError, build_credential, check_profile, elements_from_dict, from_credential
from mcvc.canon.api import Canonicalizer

from .conftest import SAMPLES, load


def _broken(example: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(example)
    node: Any = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = parts[-1]
    if value is _DELETE:
        del node[last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "error_path"),
    [
        ("title", _DELETE, "title"),
        ("title", {}, "title"),
        ("learner.given_name", _DELETE, "learner.given_name"),
        ("workload.ects", "-1", "workload.ects"),
        ("workload.ects", "abc", "workload.ects"),
        ("workload.hours", "P60M", "workload.hours"),
        ("workload.hours", "60 hours", "workload.hours"),
        ("level.eqf", 9, "level.eqf"),
        ("level.eqf", "seven", "level.eqf"),
        ("level.qf_ehea", "fourth", "level.qf_ehea"),
        ("issued", "2026-07-15T10:00:00", "issued"),
        ("valid_from", "2026-07-15", "valid_from"),
        ("awarding_bodies.0.country", "XX", "awarding_bodies[0].country"),
        ("place_of_issue.country", "Narnia", "place_of_issue.country"),
        ("learning_outcomes", [], "learning_outcomes"),
        ("awarding_bodies", [], "awarding_bodies"),
        ("learner.email", "not-an-email", "learner.email"),
        ("learner.subject_id", "no scheme", "learner.subject_id"),
        ("assessment.supervision", "somewhat", "assessment.supervision"),
        ("quality_assurance.type", "none", "quality_assurance.type"),
        ("unknown_field", 1, "unknown_field"),
        (
            "learning_outcomes.0.esco_skills",
            ["https://example.org/skill"],
            "learning_outcomes[0].esco_skills",
        ),
    ],
)
def test_invalid_element_names_its_path(
    example_elements: dict[str, Any], path: str, value: Any, error_path: str
) -> None:
    with pytest.raises(ElementsError) as info:
        elements_from_dict(_broken(example_elements, path, value))
    assert error_path in [i["path"] for i in info.value.issues], info.value.issues


def test_p60m_message_explains_months(example_elements: dict[str, Any]) -> None:
    with pytest.raises(ElementsError) as info:
        elements_from_dict(_broken(example_elements, "workload.hours", "P60M"))
    assert "months" in info.value.issues[0]["message"]


def test_level_cycle_must_match_eqf(example_elements: dict[str, Any]) -> None:
    with pytest.raises(ElementsError) as info:
        elements_from_dict(_broken(example_elements, "level", {"eqf": 6, "qf_ehea": "second"}))
    assert info.value.issues[0]["path"] == "level"


def test_joint_offer_names_quality_assurance_body(example_elements: dict[str, Any]) -> None:
    data = _broken(example_elements, "awarding_bodies.0.quality_assurance_responsible", False)
    with pytest.raises(ElementsError):
        elements_from_dict(data)


def test_low_ects_is_a_warning_not_an_error(example_elements: dict[str, Any]) -> None:
    mc = elements_from_dict(_broken(example_elements, "workload.ects", "0.5"))
    assert [w["rule"] for w in mc.warnings()] == ["ects_minimum_for_recognition"]


def test_qf_ehea_maps_to_eqf(example_elements: dict[str, Any]) -> None:
    mc = elements_from_dict(_broken(example_elements, "level", {"qf_ehea": "first"}))
    assert build_credential(mc)["credentialSubject"]["hasClaim"]["specifiedBy"]["eqfLevel"][
        "id"
    ].endswith("/eqf/6")


@pytest.mark.parametrize("profile", ["edc", "vc2", "ob3"])
def test_profiles_expand_strictly(example_elements: dict[str, Any], profile: str) -> None:
    credential = build_credential(
        example_elements,
        profile=profile,
        issuer="did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    )
    nquads = Canonicalizer().rdfc(credential)  # raises on any dropped term or relative IRI
    assert "example.org/base" not in nquads
    assert len(nquads.splitlines()) > 40


def test_edc_shape(example_elements: dict[str, Any]) -> None:
    c = build_credential(example_elements)
    assert c["@context"] == [
        "https://www.w3.org/2018/credentials/v1",
        "http://data.europa.eu/snb/model/context/edc-ap",
    ]
    assert c["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    assert c["credentialSchema"][0]["type"] == "ShaclValidator2017"
    claim = c["credentialSubject"]["hasClaim"]
    assert claim["type"] == "LearningAchievement"
    assert claim["specifiedBy"]["type"] == "Qualification"
    assert claim["provenBy"]["type"] == "LearningAssessment"
    assert claim["awardedBy"]["type"] == "AwardingProcess"
    assert claim["specifiedBy"]["creditPoint"]["point"] == "5"
    assert all("id" in lo for lo in claim["specifiedBy"]["learningOutcome"])


def test_vc2_reads_back_the_same_elements(example_elements: dict[str, Any]) -> None:
    edc = from_credential(build_credential(example_elements)).to_dict()
    vc2 = from_credential(build_credential(example_elements, profile="vc2")).to_dict()
    assert edc == vc2
    assert edc["missing"] == []


def test_ob3_keeps_elements_without_native_field(example_elements: dict[str, Any]) -> None:
    c = build_credential(example_elements, profile="ob3")
    ext = c["credentialSubject"]["achievement"]["otherIdentifier"][0]["identifier"]
    assert "supervised-with-id-verification" in ext and "qualityAssurance" in ext


def test_edc_passes_shacl_shapes(example_elements: dict[str, Any]) -> None:
    pyshacl = pytest.importorskip("pyshacl")
    rdflib = pytest.importorskip("rdflib")
    nquads = Canonicalizer().rdfc(
        build_credential(
            example_elements, issuer="did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
        )
    )
    graph = rdflib.Graph().parse(data=nquads, format="nt")  # no named graphs: N-Quads is N-Triples
    shapes = rdflib.Graph().parse(str(SAMPLES.parent / "EDC-generic-full.ttl"), format="turtle")
    conforms, _report, text = pyshacl.validate(graph, shacl_graph=shapes, inference="none")
    assert conforms, text


SAMPLE_EXPECT = {
    "elm-v3-mc-annex1-unsigned.jsonld": (
        "Digital micro-credential creation",
        "2",
        6,
        "University of Zed",
        ["quality_assurance"],
    ),
    "elm-v3-mc-annex1-signed.jsonld": (
        "Digital micro-credential creation",
        "2",
        6,
        "University of Zed",
        ["quality_assurance"],
    ),
    "elm-v3-certofpart-signed.jsonld": (
        "EDC Updates Webinar",
        "",
        None,
        "European Digital Credentials for Learning Support Team",
        ["learning_outcomes", "level", "assessment_type", "quality_assurance"],
    ),
    "elm32-vcdm2-ebsi-microcredential-data-software-business.json": (
        "Data and software business",
        "5",
        None,
        "University of Life",
        ["level", "assessment_type", "participation", "quality_assurance"],
    ),
    "mynextid-edc-mc-signed.jsonld": (
        "Title of your learning achievement",
        "5",
        6,
        "NETIS d.o.o.",
        ["quality_assurance"],
    ),
}


@pytest.mark.parametrize("name", sorted(SAMPLE_EXPECT))
def test_reads_real_samples(name: str) -> None:
    title, ects, eqf, body, missing = SAMPLE_EXPECT[name]
    el = from_credential(load(SAMPLES / name))
    assert el.title["en"] == title
    assert el.ects == ects
    assert el.eqf_level == eqf
    assert el.awarding_bodies[0]["legal_name"]["en"] == body
    assert el.missing == missing


def test_issuer_profiles(example_elements: dict[str, Any]) -> None:
    el = from_credential(build_credential(example_elements))
    assert check_profile(el, "unic") == []
    assert check_profile(el, "4eu-plus") == []
    big = from_credential(build_credential(_broken(example_elements, "workload.ects", "20")))
    assert [v.rule for v in check_profile(big, "4eu-plus")] == ["max_ects"]
    annex = from_credential(load(SAMPLES / "elm-v3-mc-annex1-unsigned.jsonld"))
    rules = {v.rule for v in check_profile(annex, "unic")}
    assert {"require.quality_assurance", "min_awarding_bodies"} <= rules
    small = from_credential(build_credential(_broken(example_elements, "workload.ects", "0.5")))
    assert [v.rule for v in check_profile(small, "german-recognition")] == ["min_ects"]


def test_institution_profile_file(tmp_path, example_elements: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "my-uni.json"
    path.write_text('{"name": "my-uni", "extends": "eu-minimum", "eqf_levels": [6]}')
    el = from_credential(build_credential(example_elements))
    assert [v.rule for v in check_profile(el, str(path))] == ["eqf_levels"]
