"""Property tests over generated input. Example counts follow the hypothesis profile:
modest by default (CI); `HYPOTHESIS_PROFILE=long scripts/test` for a deep run."""

from __future__ import annotations

import shutil
import string
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, TODAY
from resource_registry.check import catalog_rules as catalog
from resource_registry.check.file_rules import check_resource
from resource_registry.check.identity import shard_path
from resource_registry.record.reader import Document, read_document
from resource_registry.record.urls import resource_id
from resource_registry.record.writer import RESOURCE_ORDER, render
from resource_registry.release import dataset
from resource_registry.release.export import export

_YAMLISH = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "stable_id:",
                "id:",
                "url:",
                "title:",
                "type:",
                "tags:",
                "- ",
                "  ",
                "&a",
                "*a",
                "!!str",
                "<<:",
                "---",
                "...",
                "[",
                "]",
                "{",
                "}",
                "'",
                '"',
                "#",
                "|",
                ">",
                "\t",
                "\r\n",
                "\n",
                "\ufeff",
                "\x00",
                "\u202e",
                ": ",
                "2022-02-30",
            ]
        ),
        st.text(max_size=6),
    ),
    max_size=40,
).map("".join)


@given(
    st.one_of(
        st.binary(max_size=300), _YAMLISH.map(lambda text: text.encode("utf-8", "surrogatepass"))
    )
)
def test_any_input_gives_findings_never_an_exception(data: bytes) -> None:
    parsed = read_document(data)
    if isinstance(parsed, Document):
        result = check_resource("data/resources/fx/sid_Fx00000001.yaml", parsed, TODAY)
        assert all(item.code and item.message for item in result.findings)
    else:
        assert all(problem.code.startswith("P") for problem in parsed)


_WORDS = (
    st.text(
        alphabet=string.ascii_letters + string.digits + " .,:;'\"()#-?!&é", min_size=1, max_size=30
    )
    .map(str.strip)
    .filter(lambda text: text and "&" not in text)
)
_RECORDS = st.lists(
    st.fixed_dictionaries(
        {"title": _WORDS, "type": st.sampled_from(["paper", "web", "book"])},
        optional={
            "summary": _WORDS,
            "importance": st.integers(0, 100),
            "published_date": st.sampled_from(["2018", "2018-02", "2018-02-28"]),
            "authors": st.lists(_WORDS, min_size=1, max_size=3, unique=True),
            "key_points": st.lists(_WORDS, min_size=1, max_size=3, unique=True),
            "tags": st.just(["alignment"]),
        },
    ),
    max_size=6,
)


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(_RECORDS)
def test_export_then_load_gives_the_records_back(records: list[dict[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "registry"
        shutil.copytree(FIXTURES / "base", root)
        expected = []
        for index, fields in enumerate(records):
            stable_id = f"sid_Prop{index:06d}"
            url = f"https://example.org/p/{index}"
            record = {"stable_id": stable_id, "id": resource_id(url), "url": url, **fields}
            path = root / shard_path(stable_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(record, RESOURCE_ORDER))
            expected.append(record)
        (root / "data/resources").mkdir(exist_ok=True)
        out = export(root, Path(folder) / "ds", jobs=1).out
        assert dataset.verify(out) == []
        assert dataset.load(out) == [
            dict(sorted(r.items(), key=lambda kv: RESOURCE_ORDER.index(kv[0]))) for r in expected
        ]


@given(st.lists(st.sampled_from(["", "a", "b", "c", "A", "d\0e"]), max_size=12))
def test_values_shared_by_rows_are_found_as_by_counting_each(column: list[str]) -> None:
    """The catalog's duplicate finder (a set first, counting only when some value
    repeats) names exactly the non-empty values held by several rows, with their rows."""
    expected = {
        value: [row for row, held in enumerate(column) if held == value]
        for value in set(column)
        if value and column.count(value) > 1
    }
    assert dict(catalog._shared(column)) == expected


_SLUGS = st.text(alphabet="abcdeklmnrst-", min_size=1, max_size=14)


@given(value=_SLUGS, known=st.lists(_SLUGS, max_size=40, unique=True))
def test_the_fast_did_you_mean_is_difflibs(value: str, known: list[str]) -> None:
    """The candidates rapidfuzz finds first leave out nothing difflib would suggest."""
    import difflib  # noqa: PLC0415 - reason: only this test compares with it

    known = sorted(known)
    everything = difflib.get_close_matches(value, known, n=1, cutoff=0.75)
    assert difflib.get_close_matches(value, catalog._candidates(value, known), 1, 0.75) == (
        everything
    )
