"""JSON Canonicalization Scheme (RFC 8785) against the test data of its author
(tests/data/jcs/README.md): the input/output pairs, and ECMAScript number serialization checked
against the published checksums of the deterministic ES6 number test file."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import pytest

from mcvc.canon.jcs import canonicalize_json
from mcvc.errors import InvalidInput

DATA = Path(__file__).parent / "data" / "jcs"

# the fixed values the generator starts with (testdata/README.md of cyberphone/json-canonicalization)
STATIC = [
    0x0000000000000000,
    0x8000000000000000,
    0x0000000000000001,
    0x8000000000000001,
    0xC46696695DBD1CC3,
    0xC43211EDE4974A35,
    0xC3FCE97CA0F21056,
    0xC3C7213080C1A6AC,
    0xC39280F39A348556,
    0xC35D9B1F5D20D557,
    0xC327AF4C4A80AAAC,
    0xC2F2F2A36ECD5556,
    0xC2BE51057E155558,
    0xC28840D131AAAAAC,
    0xC253670DC1555557,
    0xC21F0B4935555557,
    0xC1E8D5D42AAAAAAC,
    0xC1B3DE4355555556,
    0xC17FCA0555555556,
    0xC1496E6AAAAAAAAB,
    0xC114585555555555,
    0xC0E046AAAAAAAAAB,
    0xC0AA0AAAAAAAAAAA,
    0xC074D55555555555,
    0xC040AAAAAAAAAAAB,
    0xC00AAAAAAAAAAAAB,
    0xBFD5555555555555,
    0xBFA1111111111111,
    0xBF6B4E81B4E81B4F,
    0xBF35D867C3ECE2A5,
    0xBF0179EC9CBD821E,
    0xBECBF647612F3696,
    0xBE965E9F80F29212,
    0xBE61E54C672874DB,
    0xBE2CA213D840BAF8,
    0xBDF6E80FE033C8C6,
    0xBDC2533FE68FD3D2,
    0xBD8D51FFD74C861C,
    0xBD5774CCAC3D3817,
    0xBD22C3D6F030F9AC,
    0xBCEE0624B3818F79,
    0xBCB804EA293472C7,
    0xBC833721BA905BD3,
    0xBC4EBE9C5DB3C61E,
    0xBC18987D17C304E5,
    0xBBE3AD30DFCF371D,
    0xBBAF7B816618582F,
    0xBB792F9AB81379BF,
    0xBB442615600F9499,
    0xBB101E77800C76E1,
    0xBAD9CA58CCE0BE35,
    0xBAA4A1E0A3E6FE90,
    0xBA708180831F320D,
    0xBA3A68CD9E985016,
    0x446696695DBD1CC3,
    0x443211EDE4974A35,
    0x43FCE97CA0F21056,
    0x43C7213080C1A6AC,
    0x439280F39A348556,
    0x435D9B1F5D20D557,
    0x4327AF4C4A80AAAC,
    0x42F2F2A36ECD5556,
    0x42BE51057E155558,
    0x428840D131AAAAAC,
    0x4253670DC1555557,
    0x421F0B4935555557,
    0x41E8D5D42AAAAAAC,
    0x41B3DE4355555556,
    0x417FCA0555555556,
    0x41496E6AAAAAAAAB,
    0x4114585555555555,
    0x40E046AAAAAAAAAB,
    0x40AA0AAAAAAAAAAA,
    0x4074D55555555555,
    0x4040AAAAAAAAAAAB,
    0x400AAAAAAAAAAAAB,
    0x3FD5555555555555,
    0x3FA1111111111111,
    0x3F6B4E81B4E81B4F,
    0x3F35D867C3ECE2A5,
    0x3F0179EC9CBD821E,
    0x3ECBF647612F3696,
    0x3E965E9F80F29212,
    0x3E61E54C672874DB,
    0x3E2CA213D840BAF8,
    0x3DF6E80FE033C8C6,
    0x3DC2533FE68FD3D2,
    0x3D8D51FFD74C861C,
    0x3D5774CCAC3D3817,
    0x3D22C3D6F030F9AC,
    0x3CEE0624B3818F79,
    0x3CB804EA293472C7,
    0x3C833721BA905BD3,
    0x3C4EBE9C5DB3C61E,
    0x3C18987D17C304E5,
    0x3BE3AD30DFCF371D,
    0x3BAF7B816618582F,
    0x3B792F9AB81379BF,
    0x3B442615600F9499,
    0x3B101E77800C76E1,
    0x3AD9CA58CCE0BE35,
    0x3AA4A1E0A3E6FE90,
    0x3A708180831F320D,
    0x3A3A68CD9E985016,
    0x4024000000000000,
    0x4014000000000000,
    0x3FE0000000000000,
    0x3FA999999999999A,
    0x3F747AE147AE147B,
    0x3F40624DD2F1A9FC,
    0x3F0A36E2EB1C432D,
    0x3ED4F8B588E368F1,
    0x3EA0C6F7A0B5ED8D,
    0x3E6AD7F29ABCAF48,
    0x3E35798EE2308C3A,
    0x3ED539223589FA95,
    0x3ED4FF26CD5A7781,
    0x3ED4F95A762283FF,
    0x3ED4F8C60703520C,
    0x3ED4F8B72F19CD0D,
    0x3ED4F8B5B31C0C8D,
    0x3ED4F8B58D1C461A,
    0x3ED4F8B5894F7F0E,
    0x3ED4F8B588EE37F3,
    0x3ED4F8B588E47DA4,
    0x3ED4F8B588E3849C,
    0x3ED4F8B588E36BB5,
    0x3ED4F8B588E36937,
    0x3ED4F8B588E368F8,
    0x3ED4F8B588E368F1,
    0x3FF0000000000000,
    0xBFF0000000000000,
    0xBFEFFFFFFFFFFFFA,
    0xBFEFFFFFFFFFFFFB,
    0x3FEFFFFFFFFFFFFA,
    0x3FEFFFFFFFFFFFFB,
    0x3FEFFFFFFFFFFFFC,
    0x3FEFFFFFFFFFFFFE,
    0xBFEFFFFFFFFFFFFF,
    0xBFEFFFFFFFFFFFFF,
    0x3FEFFFFFFFFFFFFF,
    0x3FEFFFFFFFFFFFFF,
    0x3FD3333333333332,
    0x3FD3333333333333,
    0x3FD3333333333334,
    0x0010000000000000,
    0x000FFFFFFFFFFFFD,
    0x000FFFFFFFFFFFFF,
    0x7FEFFFFFFFFFFFFF,
    0xFFEFFFFFFFFFFFFF,
    0x4340000000000000,
    0xC340000000000000,
    0x4430000000000000,
    0x44B52D02C7E14AF5,
    0x44B52D02C7E14AF6,
    0x44B52D02C7E14AF7,
    0x444B1AE4D6E2EF4E,
    0x444B1AE4D6E2EF4F,
    0x444B1AE4D6E2EF50,
    0x3EB0C6F7A0B5ED8C,
    0x3EB0C6F7A0B5ED8D,
    0x41B3DE4355555553,
    0x41B3DE4355555554,
    0x41B3DE4355555555,
    0x41B3DE4355555556,
    0x41B3DE4355555557,
    0xBECBF647612F3696,
    0x43143FF3C1CB0959,
]


@pytest.mark.parametrize("name", ["arrays", "french", "structures", "unicode", "values", "weird"])
def test_the_rfc_authors_pairs(name: str) -> None:
    given = json.loads((DATA / "input" / f"{name}.json").read_text(encoding="utf-8"))
    expected = (DATA / "output" / f"{name}.json").read_bytes()
    assert canonicalize_json(given).encode("utf-8") == expected


def _doubles(count: int) -> list[int]:
    """The first ``count`` IEEE-754 bit patterns of the ES6 number test sequence."""
    patterns = STATIC + [0x0010000000000000 + i for i in range(2000)]
    block = bytes(32)
    pending: list[int] = []
    while len(patterns) < count:
        if not pending:
            block = hashlib.sha256(block).digest()
            pending = list(struct.unpack("<4Q", block))
        bits = pending.pop(0)
        value = struct.unpack("<d", struct.pack("<Q", bits))[0]
        if value != 0.0 and value == value and abs(value) != float("inf"):
            patterns.append(bits)
    return patterns[:count]


@pytest.mark.parametrize(
    ("lines", "checksum"),
    [
        (1000, "be18b62b6f69cdab33a7e0dae0d9cfa869fda80ddc712221570f9f40a5878687"),
        (10000, "b9f7a8e75ef22a835685a52ccba7f7d6bdc99e34b010992cbc5864cd12be6892"),
        (100000, "22776e6d4b49fa294a0d0f349268e5c28808fe7e0cb2bcbe28f63894e494d4c7"),
    ],
)
def test_es6_number_serialization_matches_the_published_checksums(
    lines: int, checksum: str
) -> None:
    digest = hashlib.sha256()
    for bits in _doubles(lines):
        value = struct.unpack("<d", struct.pack("<Q", bits))[0]
        digest.update(f"{bits:x},{canonicalize_json(value)}\n".encode())
    assert digest.hexdigest() == checksum


@pytest.mark.parametrize(
    ("bits", "expected"),
    [
        # the sample lines of the test file's description
        (0x4340000000000001, "9007199254740994"),
        (0x4340000000000002, "9007199254740996"),
        (0x444B1AE4D6E2EF50, "1e+21"),
        (0x3EB0C6F7A0B5ED8D, "0.000001"),
        (0x3EB0C6F7A0B5ED8C, "9.999999999999997e-7"),
        (0x8000000000000000, "0"),
        (0, "0"),
    ],
)
def test_sample_numbers(bits: int, expected: str) -> None:
    assert canonicalize_json(struct.unpack("<d", struct.pack("<Q", bits))[0]) == expected


def test_integers_are_numbers_and_bounded_by_i_json() -> None:
    assert canonicalize_json([2**53, -(2**53), 10**15, 0, -5]) == (
        "[9007199254740992,-9007199254740992,1000000000000000,0,-5]"
    )
    for big in (2**53 + 1, -(2**53) - 1, 10**21):
        with pytest.raises(InvalidInput, match="IEEE 754"):
            canonicalize_json({"n": big})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_values_without_a_json_form_are_refused(value: float) -> None:
    with pytest.raises(InvalidInput, match="NaN and Infinity"):
        canonicalize_json([value])


def test_strings_escape_exactly_what_rfc_8785_escapes() -> None:
    every_control = "".join(chr(c) for c in range(0x20))
    assert canonicalize_json(every_control) == (
        '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r'
        "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018"
        '\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"'
    )
    assert canonicalize_json('"\\/\x7f\u2028é😂') == '"\\"\\\\/\x7f\u2028é😂"'


def test_members_sort_by_utf16_code_units_and_tuples_are_arrays() -> None:
    # U+1F602 is D83D DE02 in UTF-16, below U+FB33 although above it as a code point
    doc = {"\ufb33": 1, "\U0001f602": 2, "a": 3, "": 4, "A": 5}
    assert canonicalize_json(doc) == '{"":4,"A":5,"a":3,"\U0001f602":2,"\ufb33":1}'
    assert canonicalize_json(("x", [], {})) == '["x",[],{}]'


def test_other_python_values_are_misuse() -> None:
    with pytest.raises(TypeError, match="cannot canonicalize set"):
        canonicalize_json({"s": {1}})
