"""The canonical form: idempotent, lossless, and read alike by every common parser."""

from __future__ import annotations

import io

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from resource_registry.record.reader import Document, read_document
from resource_registry.record.writer import RESOURCE_ORDER, canonical_text, is_plain_safe, render

_RUAMEL = YAML(typ="safe", pure=True)

_scalars = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "no",
            "on",
            "yes",
            "~",
            "null",
            "0123",
            "0o17",
            "1:20",
            "2022-02-11",
            "1_000",
            "0b101",
            ".inf",
            "=",
            "- x",
            "a: b",
            "a #b",
            "x\n",
            "a\nb",
            " lead",
            "trail ",
            "'q'",
            '"d"',
            "\u2028",
            "\x85",
            "tab\there",
            "é",
            "0:?",
            "a:b",
            "x?",
        ]
    ),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),  # the only floats a file can hold
    st.booleans(),
    st.none(),
)
_values = st.one_of(
    _scalars,
    st.lists(_scalars, max_size=4),
    st.lists(st.lists(_scalars, max_size=3), max_size=3),  # nested lists: `- - a`
    st.dictionaries(st.sampled_from(["status", "checked_at", "bytes", "zz"]), _scalars, max_size=3),
)
_records = st.dictionaries(st.sampled_from([*RESOURCE_ORDER, "unknown_key"]), _values, max_size=8)


def _read(text: str) -> object:
    parsed = read_document(text.encode())
    assert isinstance(parsed, Document), (text, parsed)
    return parsed.data


@given(_records)
def test_canonical_text_is_lossless_and_idempotent(record: dict[str, object]) -> None:
    text = render(record, RESOURCE_ORDER)
    parsed = read_document(text.encode())
    assert isinstance(parsed, Document), text
    assert parsed.data == record
    assert canonical_text("data/resources/x.yaml", parsed, text) == text


@given(_records)
def test_pyyaml_and_ruamel_read_canonical_text_alike(record: dict[str, object]) -> None:
    text = render(record, RESOURCE_ORDER)
    expected = record or None  # an empty mapping renders as "{}"
    assert (yaml.safe_load(text) or None) == expected, text
    assert (_RUAMEL.load(io.StringIO(text)) or None) == expected, text


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("alignment", True),
        ("Attention Is All You Need", True),
        ("no", False),
        ("On", False),
        ("2018", False),
        ("2018-02", True),
        ("2018-02-11", False),
        ("1:20", False),
        ("0x1F", False),
        ("a: b", False),
        ("#tag", False),
        ("- item", False),
        ("", False),
    ],
)
def test_plain_scalars_are_only_those_every_parser_reads_as_strings(text: str, plain: bool) -> None:
    assert is_plain_safe(text) is plain


COMMENTED = """\
# header comment
title: A  # about the title
stable_id: sid_Fx00000001
# above tags
tags:
  - b  # b comment
  - a
summary: |-  # block comment
  line one
  line two
key_points:
  # above the first point
  - one
  - two  # two comment
fetch:
  checked_at: '2025-01-01T00:00:00Z'  # when
  status: 200
# the end
"""

COMMENTED_CANONICAL = """\
# header comment
stable_id: sid_Fx00000001
title: A  # about the title
summary: |-  # block comment
  line one
  line two
key_points:
  # above the first point
  - one
  - two  # two comment
# above tags
tags: [b, a]  # b comment
fetch:
  status: 200
  checked_at: '2025-01-01T00:00:00Z'  # when
# the end
"""


def test_comments_are_kept_with_their_entries() -> None:
    parsed = read_document(COMMENTED.encode())
    assert isinstance(parsed, Document)
    assert canonical_text("data/resources/x.yaml", parsed, COMMENTED) == COMMENTED_CANONICAL
    again = read_document(COMMENTED_CANONICAL.encode())
    assert isinstance(again, Document)
    assert (
        canonical_text("data/resources/x.yaml", again, COMMENTED_CANONICAL) == COMMENTED_CANONICAL
    )
    assert _read(COMMENTED_CANONICAL) == _read(COMMENTED)


def test_no_comment_is_ever_dropped() -> None:
    text = "stable_id: x\ntags:\n  - a  # one\n  - b  # two\n  # three\n  - c\n"
    parsed = read_document(text.encode())
    assert isinstance(parsed, Document)
    out = canonical_text("data/resources/x.yaml", parsed, text)
    assert [line.strip() for line in out.splitlines() if "#" in line] == [
        "# one",
        "# two",
        "# three",
    ]


def test_fmt_never_writes_a_file_that_reads_back_as_other_data() -> None:
    # a top-level scalar that starts with `...`: written at column 0, it would become a
    # document end marker (found by scripts/fuzz.py)
    from resource_registry.edit.fmt import format_text  # noqa: PLC0415 - reason: one test

    data = b'  ...\n"\\0"'
    assert isinstance(read_document(data), Document)
    formatted = format_text("data/resources/fx/sid_Fx00000001.yaml", data, {}, fix=False)
    assert formatted.text is None
    assert [problem.code for problem in formatted.problems] == ["P020"]
