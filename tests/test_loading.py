"""The YAML reader: YAML 1.2 scalars, forbidden features, limits and positions."""

from __future__ import annotations

import math

import pytest

from resource_registry.loading import MAX_FILE_BYTES, Document, Problem, locate, read_document


def _data(text: str) -> object:
    parsed = read_document(text.encode())
    assert isinstance(parsed, Document), parsed
    return parsed.data


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        ("no", "no"),
        ("on", "on"),
        ("yes", "yes"),
        ("2022-02-11", "2022-02-11"),
        ("1:20", "1:20"),
        ("12:30:00", "12:30:00"),
        ("3e03a6e800128f8c", "3e03a6e800128f8c"),
        ("true", True),
        ("False", False),
        ("null", None),
        ("~", None),
        ("", None),
        ("0123", 123),
        ("-7", -7),
        ("0o17", 15),
        ("0x1F", 31),
        ("1e3", 1000.0),
        ("2.5", 2.5),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("sid_d9EnmTcnin", "sid_d9EnmTcnin"),
    ],
)
def test_plain_scalars_follow_the_yaml_1_2_core_schema(plain: str, expected: object) -> None:
    assert _data(f"k: {plain}\n") == {"k": expected}


def test_nan_is_a_float() -> None:
    value = _data("k: .nan\n")
    assert isinstance(value, dict)
    assert math.isnan(value["k"])


def test_quoted_scalars_are_always_strings() -> None:
    assert _data("a: 'true'\nb: \"0123\"\nc: |\n  text\n") == {
        "a": "true",
        "b": "0123",
        "c": "text\n",
    }


def test_file_over_the_limit_is_not_parsed() -> None:
    parsed = read_document(b"k: " + b"x" * MAX_FILE_BYTES)
    assert parsed == [
        Problem("P002", f"file is {MAX_FILE_BYTES + 3:,} bytes; the limit is {MAX_FILE_BYTES:,}")
    ]


def test_many_anchor_references_are_rejected_without_expansion() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    parsed = read_document(bomb.encode())
    assert isinstance(parsed, list)
    assert {problem.code for problem in parsed} == {"P006"}


def test_every_forbidden_feature_in_a_file_is_reported() -> None:
    parsed = read_document(b"a: !!str x\nb: !!str y\n")
    assert isinstance(parsed, list)
    assert [(p.code, p.line) for p in parsed] == [("P007", 1), ("P007", 2)]


def test_locate_finds_keys_values_and_list_items() -> None:
    parsed = read_document(b"a: 1\nb:\n  c: [x, y]\n  d: z\n")
    assert isinstance(parsed, Document)
    assert locate(parsed.root, ("b", "c", 1)) == (3, 10)
    assert locate(parsed.root, ("b", "d"), on_key=True) == (4, 3)
    assert locate(parsed.root, ("b", "missing")) == (3, 3)
