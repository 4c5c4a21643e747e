"""The YAML reader: YAML 1.2 scalars, forbidden features, limits and positions."""

from __future__ import annotations

import pytest

from resource_registry.base.findings import Finding
from resource_registry.record.parse_problems import problem
from resource_registry.record.positions import locate
from resource_registry.record.reader import MAX_FILE_BYTES, Document, read_document


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
        ("9223372036854775807", 2**63 - 1),
        ("-0x10", "-0x10"),
        ("sid_d9EnmTcnin", "sid_d9EnmTcnin"),
    ],
)
def test_plain_scalars_follow_the_yaml_1_2_core_schema(plain: str, expected: object) -> None:
    assert _data(f"k: {plain}\n") == {"k": expected}


@pytest.mark.parametrize(
    ("plain", "code"),
    [
        (".inf", "P015"),
        ("-.Inf", "P015"),
        (".nan", "P015"),
        ("1e400", "P015"),
        ("9223372036854775808", "P014"),
        ("-9223372036854775809", "P014"),
        ("0x8000000000000000", "P014"),
        ("0o1000000000000000000000", "P014"),
        ("9" * 5_000, "P014"),
        ("0x" + "f" * 4_000, "P014"),
    ],
)
def test_numbers_no_later_step_can_hold_are_problems_at_their_place(plain: str, code: str) -> None:
    parsed = read_document(f"a: 1\nk: [x, {plain}]\n".encode())

    assert isinstance(parsed, list)
    assert [(problem.code, problem.line, problem.col) for problem in parsed] == [(code, 2, 8)]
    assert len(parsed[0].message) < 200


def test_a_quoted_huge_number_is_text() -> None:
    assert _data(f"k: '{'9' * 5_000}'\n") == {"k": "9" * 5_000}
    assert _data("k: '.nan'\nj: \"-.inf\"\n") == {"k": ".nan", "j": "-.inf"}


def test_quoted_scalars_are_always_strings() -> None:
    assert _data("a: 'true'\nb: \"0123\"\nc: |\n  text\n") == {
        "a": "true",
        "b": "0123",
        "c": "text\n",
    }


def test_file_over_the_limit_is_not_parsed() -> None:
    parsed = read_document(b"k: " + b"x" * MAX_FILE_BYTES)
    assert parsed == [
        problem("P002", f"file is {MAX_FILE_BYTES + 3:,} bytes; the limit is {MAX_FILE_BYTES:,}")
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


def _problem(text: str) -> Finding:
    parsed = read_document(text.encode())
    assert isinstance(parsed, list), parsed
    assert len(parsed) == 1
    return parsed[0]


@pytest.mark.parametrize(
    ("text", "where", "hint"),
    [
        (
            "type: web\ntitle: Yes: we can\n",
            (2, 11),
            "the value contains `: `, which YAML reads as a new key; quote the whole value: "
            "`title: 'Yes: we can'`",
        ),
        (
            "authors:\n  - Yes: we can: it's true\n",
            (2, 16),
            "quote the whole value: `- 'Yes: we can: it''s true'`",
        ),
        (
            "tags:\n\t- alignment\n",
            (2, 1),
            "line 2 is indented with a tab; YAML indents with spaces only",
        ),
        ("type: web\n\ttitle: x\n", (2, 1), "line 2 is indented with a tab"),
        (
            "fetch:\n  status: 200\n checked_at: '2026-01-01T00:00:00Z'\n",
            (3, 2),
            "line 3 is indented like no entry around it (expected column 1 or column 3, "
            "found column 2)",
        ),
        (
            "fetch:\n  status: 200\n   bytes: 3\n",
            (3, 9),
            "line 3 is indented further than the line above it (expected column 3, found "
            "column 4), so it continues that value",
        ),
        ("tags:\n  - a\n  b: 2\n", (3, 3), "line 3 sits among the items of the list above it"),
        ("type: web\ntitle: 'unclosed\n", (2, 8), "a quoted value is not closed"),
    ],
    ids=[
        "colon in a value",
        "colon in a list item",
        "tab before an item",
        "tab before a key",
        "indented less",
        "indented more",
        "key among items",
        "unclosed quote",
    ],
)
def test_syntax_errors_hint_at_the_usual_cause(
    text: str, where: tuple[int, int], hint: str
) -> None:
    problem = _problem(text)
    assert problem.code == "P001"
    assert (problem.line, problem.col) == where
    assert problem.hint is not None
    assert hint in problem.hint


def test_a_plain_value_continued_onto_an_item_like_line_is_a_warning() -> None:
    parsed = read_document(b"authors:\n  - Eliezer Yudkowsky\n   - Nate Soares\n")
    assert isinstance(parsed, Document)
    assert parsed.data == {"authors": ["Eliezer Yudkowsky - Nate Soares"]}
    [warning] = parsed.warnings
    assert (warning.code, warning.line, warning.col) == ("P016", 3, 4)
    assert "looks like a new list item but continues the text of line 2" in warning.message


@pytest.mark.parametrize(
    "text",
    [
        "summary: A summary that wraps\n  onto a second line - with a dash inside\n",
        "url: https://example.org/a:8080/x\n",
        "key_points:\n  - A point\n  - Another point\n",
        "summary: >\n  folded text\n  - with a dash line\n",
    ],
)
def test_ordinary_multi_line_values_give_no_warning(text: str) -> None:
    parsed = read_document(text.encode())
    assert isinstance(parsed, Document)
    assert parsed.warnings == ()
