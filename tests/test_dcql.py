"""DCQL (OpenID4VP 1.0 section 6): query validation, claims path pointers, and whether an
answer satisfies a query."""

from __future__ import annotations

from typing import Any

import pytest

from mcvc.oid4vp.dcql import DcqlError, Presented, default_query, missing, validate_query

VCT = "https://issuer.example/vct/micro-credential"
VC = "https://www.w3.org/2018/credentials#VerifiableCredential"


def sd(query_id: str = "micro_credential_sd_jwt", **claims: Any) -> Presented:
    body = {"credentialSubject": {"hasClaim": {"title": "Data"}}, "issuer": "did:x", **claims}
    return Presented(query_id, "dc+sd-jwt", body, {VCT})


def test_the_default_query_is_valid_and_answered_by_either_format() -> None:
    query = validate_query(default_query(VCT))
    assert missing(query, [sd()]) == []
    ldp = Presented("micro_credential_ldp", "ldp_vc", sd().claims, {VC, "urn:x#EDC"})
    assert missing(query, [ldp]) == []
    assert missing(query, []) == ["credential_sets[0]: no option is fully answered"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ([], "JSON object"),
        ({}, "non-empty"),
        ({"credentials": [1]}, "must be an object"),
        ({"credentials": [{"id": "a b", "format": "ldp_vc", "meta": {}}]}, "letters"),
        ({"credentials": [{"id": "a", "format": "mso_mdoc", "meta": {}}]}, "format"),
        ({"credentials": [{"id": "a", "format": "ldp_vc"}]}, "meta is required"),
        ({"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}}]}, "type_values"),
        (
            {"credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": []}}]},
            "vct_values",
        ),
        (
            {
                "credentials": [
                    {
                        "id": "a",
                        "format": "dc+sd-jwt",
                        "meta": {"vct_values": ["v"]},
                        "claims": [{"path": []}],
                    }
                ]
            },
            "claims path",
        ),
        (
            {
                "credentials": [
                    {
                        "id": "a",
                        "format": "dc+sd-jwt",
                        "meta": {"vct_values": ["v"]},
                        "claims": {"x": 1},
                    }
                ]
            },
            "claims must be an array",
        ),
        (
            {
                "credentials": [
                    {"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": ["v"]}},
                    {"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": ["v"]}},
                ]
            },
            "repeated",
        ),
        (
            {
                "credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": ["v"]}}],
                "credential_sets": [{"options": [["b"]]}],
            },
            "not there",
        ),
        (
            {
                "credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": ["v"]}}],
                "credential_sets": [{"options": []}],
            },
            "options",
        ),
    ],
)
def test_invalid_queries(query: Any, message: str) -> None:
    with pytest.raises(DcqlError, match=message):
        validate_query(query)


def _one(claims: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    item = {
        "id": "mc",
        "format": "dc+sd-jwt",
        "meta": {"vct_values": [VCT]},
        "claims": claims,
        **extra,
    }
    return validate_query({"credentials": [item]})


def test_claims_path_pointers() -> None:
    outcomes = {
        "hasClaim": [{"path": ["credentialSubject", "hasClaim", "title"]}],
        "array": [{"path": ["languages", 1]}],
        "all items": [{"path": ["languages", None]}],
    }
    presented = sd("mc", languages=["en", "cs"])
    for name, claims in outcomes.items():
        assert missing(_one(claims), [presented]) == [], name
    assert missing(_one([{"path": ["languages", 2]}]), [presented]) == [
        "mc: claim languages.2 is not disclosed",
        "mc: no valid presentation for this credential query",
    ]
    assert missing(_one([{"path": ["languages", "x"]}]), [presented])
    assert missing(_one([{"path": ["credentialSubject", "dateOfBirth"]}]), [presented])


def test_value_matching() -> None:
    presented = sd("mc", level="EQF 6")
    assert missing(_one([{"path": ["level"], "values": ["EQF 6", "EQF 7"]}]), [presented]) == []
    assert missing(_one([{"path": ["level"], "values": ["EQF 5"]}]), [presented])[0] == (
        "mc: claim level has none of the values asked"
    )


def test_format_type_and_count_rules() -> None:
    query = _one([])
    assert missing(query, [Presented("mc", "ldp_vc", {}, {VCT})]) == [
        "mc: it is ldp_vc, the query asked for dc+sd-jwt",
        "mc: no valid presentation for this credential query",
    ]
    other = Presented("mc", "dc+sd-jwt", {}, {"urn:other"})
    assert "vct" in missing(query, [other])[0]
    ldp_query = validate_query(
        {
            "credentials": [
                {"id": "l", "format": "ldp_vc", "meta": {"type_values": [[VC, "urn:x#EDC"]]}}
            ]
        }
    )
    assert missing(ldp_query, [Presented("l", "ldp_vc", {}, {VC, "urn:x#EDC", "urn:x#More"})]) == []
    assert "type_values" in missing(ldp_query, [Presented("l", "ldp_vc", {}, {VC})])[0]
    assert missing(query, [sd("stranger")])[0] == "stranger: not a credential query of this request"


def test_optional_credential_sets() -> None:
    query = validate_query(
        {
            "credentials": [
                {"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": [VCT]}},
                {"id": "b", "format": "dc+sd-jwt", "meta": {"vct_values": [VCT]}},
            ],
            "credential_sets": [{"options": [["a"]]}, {"options": [["b"]], "required": False}],
        }
    )
    assert missing(query, [sd("a")]) == []
    assert missing(query, [sd("b")]) == ["credential_sets[0]: no option is fully answered"]


def test_the_default_query_as_sent() -> None:
    claims = [{"path": ["credentialSubject", "hasClaim"]}, {"path": ["issuer"]}]
    assert default_query(VCT) == {
        "credentials": [
            {
                "id": "micro_credential_sd_jwt",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [VCT]},
                "claims": claims,
            },
            {
                "id": "micro_credential_ldp",
                "format": "ldp_vc",
                "meta": {"type_values": [[VC]]},
                "claims": claims,
            },
        ],
        "credential_sets": [
            {"options": [["micro_credential_sd_jwt"], ["micro_credential_ldp"]], "required": True}
        ],
    }


def test_shape_refusals_name_the_place() -> None:
    one = {"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": ["v"]}}
    with pytest.raises(DcqlError, match=r"^credentials\[0\]\.id must be"):
        validate_query({"credentials": [{**one, "id": ""}]})
    with pytest.raises(DcqlError, match=r"credentials\[0\]\.claims\[0\]\.path"):
        validate_query({"credentials": [{**one, "claims": [5]}]})
    with pytest.raises(DcqlError, match=r"credential_sets\[0\]\.options"):
        validate_query({"credentials": [one], "credential_sets": [5]})
    with pytest.raises(DcqlError, match="not there"):
        validate_query({"credentials": [one], "credential_sets": [{"options": [["a"], "a"]}]})
    # an option may name every credential query there is
    assert validate_query({"credentials": [one], "credential_sets": [{"options": [["a"]]}]})
    assert validate_query({"credentials": [one], "credential_sets": None})


def test_first_items_and_exact_types_count() -> None:
    presented = sd("mc", languages=["en", "cs"])
    assert missing(_one([{"path": ["languages", 0], "values": ["en"]}]), [presented]) == []
    assert missing(_one([{"path": ["languages", 0], "values": ["cs"]}]), [presented])
    ldp_query = validate_query(
        {
            "credentials": [
                {"id": "l", "format": "ldp_vc", "meta": {"type_values": [[VC, "urn:x#EDC"]]}}
            ]
        }
    )
    assert missing(ldp_query, [Presented("l", "ldp_vc", {}, {VC, "urn:x#EDC"})]) == []


def test_every_answer_is_judged() -> None:
    assert missing(_one([]), [sd("stranger"), sd("mc")]) == [
        "stranger: not a credential query of this request"
    ]
