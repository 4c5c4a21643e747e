"""Importing the real legacy corpus: nothing lost, and its known problems all found.

The corpus lives outside the project (``../shared/corpus/legacy-wiki``, never copied
in); these tests skip when it is absent.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import PROJECT_ROOT
from resource_registry import Options, Report, validate
from resource_registry.cli import cli
from resource_registry.edit.fixes import fix_resource
from resource_registry.edit.legacy_import import ImportSummary, import_legacy, to_legacy
from resource_registry.record.reader import Document, read_document

CORPUS = PROJECT_ROOT.parent / "shared" / "corpus" / "legacy-wiki"
needs_corpus = pytest.mark.skipif(
    not (CORPUS / "resources").is_dir(), reason="the shared legacy corpus is not present"
)


def _load(path: Path, limit: int = 256 * 1024 * 1024) -> object:
    parsed = read_document(path.read_bytes(), max_bytes=limit)
    assert isinstance(parsed, Document), parsed
    return parsed.data


def _record(path: Path) -> dict[str, object]:
    record = _load(path)
    assert isinstance(record, dict)
    return record


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportSummary, Report]:
    if not (CORPUS / "resources").is_dir():
        pytest.skip("the shared legacy corpus is not present")
    into = tmp_path_factory.mktemp("imported")
    sources = sorted((CORPUS / "resources").glob("*.yaml"))
    summary = import_legacy(
        sources, into, publications=CORPUS / "publications.yaml", pages=CORPUS / "pages.yaml"
    )
    return into, summary, validate(into, Options(cache=False))


@needs_corpus
def test_every_input_record_comes_back_field_by_field(
    imported: tuple[Path, ImportSummary, Report],
) -> None:
    into, summary, _ = imported
    originals: list[dict[str, object]] = []
    for source in sorted((CORPUS / "resources").glob("*.yaml")):
        records = _load(source)
        assert isinstance(records, list)
        originals += records
    back = [to_legacy(_record(path)) for path in sorted((into / "data/resources").rglob("*.yaml"))]

    def canonical(record: dict[str, object]) -> str:
        fixed = {key: value for key, value in record.items() if value != []}  # [] = absent
        if isinstance(fixed.get("published_date"), int):
            fixed["published_date"] = str(fixed["published_date"])  # a bare year, kept as text
        fix_resource(fixed, {})  # trimmed text and sorted tags: the only other differences
        return repr(sorted(fixed.items(), key=lambda item: str(item[0])))

    assert summary.imported == len(originals) == len(back) == 5478
    assert Counter(map(canonical, back)) == Counter(map(canonical, originals))
    assert not any(fix_resource(record, {}) for record in back)  # already applied


@needs_corpus
def test_the_imported_files_are_canonical(imported: tuple[Path, ImportSummary, Report]) -> None:
    into, summary, _ = imported
    result = CliRunner().invoke(
        cli, ["fmt", "--check", "--root", str(into)], catch_exceptions=False
    )
    last = result.stdout.splitlines()[-1]
    checked = re.fullmatch(r"0 of (\d+) files would be reformatted\.", last)
    assert checked, last
    assert int(checked[1]) >= sum(summary.records_per_file.values())
    assert result.exit_code == 0
    assert summary.fixes["sorted `tags`"] > 1000


@needs_corpus
def test_vocabularies_are_carried_over(imported: tuple[Path, ImportSummary, Report]) -> None:
    into, summary, _ = imported
    assert _load(into / "data/publications.yaml") == _load(CORPUS / "publications.yaml")
    assert _load(into / "data/pages.yaml") == _load(CORPUS / "pages.yaml")
    assert (summary.publications, summary.pages) == (79, 662)
    assert summary.tags > 250


@needs_corpus
def test_the_known_problems_of_the_corpus_are_found(
    imported: tuple[Path, ImportSummary, Report],
) -> None:
    into, summary, report = imported
    codes = Counter(item.code for item in report.findings)
    assert codes["I005"] >= 2, "the duplicate id"
    assert codes["I007"] >= 2, "the exact duplicate URL"
    assert codes["I006"] >= 1, "ids that do not match their URL"
    assert codes["R001"] >= 1, "unknown publications"
    assert codes["R003"] >= 1, "dangling cited_by pages"
    assert codes["C010"] >= 1, "titles that are only a domain name"
    near = [item for item in report.findings if item.code == "I008"]
    arxiv = [item for item in near if "arxiv.org" in (into / item.path).read_text()]
    assert len(arxiv) >= 3, "one arXiv paper under several URLs"
    assert summary.partial_dates["year"] + summary.partial_dates["year-month"] >= 1
    assert summary.unzoned_timestamps == summary.legacy_fields["fetched_at"] > 0
    assert summary.duplicate_ids >= 2
    assert summary.duplicate_urls >= 2
    assert summary.empty_lists["tags"] > 0
    assert codes["S007"] == 0  # empty lists were left out, not reported as too short


@needs_corpus
def test_no_record_is_dropped_by_a_broken_neighbour(
    imported: tuple[Path, ImportSummary, Report],
) -> None:
    into, _, report = imported
    files = list((into / "data/resources").rglob("*.yaml"))
    unparsed = {item.path for item in report.findings if item.code.startswith("P")}
    assert len(files) == 5478
    assert unparsed == set()


@needs_corpus
def test_import_command_prints_a_summary(tmp_path: Path) -> None:
    sources = [str(path) for path in sorted((CORPUS / "resources").glob("*.yaml"))]
    result = CliRunner().invoke(
        cli,
        [
            "import-legacy",
            *sources,
            "--into",
            str(tmp_path / "reg"),
            "--publications",
            str(CORPUS / "publications.yaml"),
            "--pages",
            str(CORPUS / "pages.yaml"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"imported 5,478 resources from 8 files into {tmp_path / 'reg'}"
    assert "vocabularies: 79 publications, 662 pages," in result.stdout
    assert re.search(r"^  I005 +\d+  Two resources share an `id`\.$", result.stdout, re.MULTILINE)
    again = CliRunner().invoke(
        cli, ["import-legacy", sources[0], "--into", str(tmp_path / "reg")], catch_exceptions=False
    )
    assert again.exit_code == 2
    assert "already exists" in again.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- id: a\n  url: https://example.org/a\n- just text\n", "item 2 is not a mapping"),
        ("- id: a\n  url: [unclosed\n", "cannot be parsed, so nothing was imported"),
    ],
    ids=["item that is not a record", "file that does not parse"],
)
def test_a_broken_source_stops_the_import_and_writes_nothing(
    tmp_path: Path, content: str, message: str
) -> None:
    source = tmp_path / "broken.yaml"
    source.write_text(content)
    result = CliRunner().invoke(
        cli, ["import-legacy", str(source), "--into", str(tmp_path / "r")], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert message in result.stderr
    assert not (tmp_path / "r" / "data").exists()


def test_a_small_import_is_canonical_and_counts_its_fixes(tmp_path: Path) -> None:
    source = tmp_path / "papers.yaml"
    source.write_text(
        "- id: 0c33e9916dc17e97\n"
        "  url: https://example.org/moved\n"
        "  title: '  Padded title '\n"
        "  type: paper\n"
        "  authors: [' A. Author', B. Author]\n"
        "  tags: [safety, alignment, safety]\n"
        "  cited_by:\n    - zeta\n    - alpha\n"
        "  fetched_at: '2024-01-01 10:00:00'\n"
    )
    into = tmp_path / "reg"
    result = CliRunner().invoke(
        cli, ["import-legacy", str(source), "--into", str(into)], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert (
        "certain fixes applied, as `resreg fmt` makes them: trimmed whitespace around `title` "
        "(1), trimmed whitespace in `authors` (1), sorted and de-duplicated `tags` (1), "
        "sorted `cited_by` (1)"
    ) in result.stdout
    check = CliRunner().invoke(cli, ["fmt", "--check", "--root", str(into)], catch_exceptions=False)
    assert check.stdout.splitlines()[-1] == "0 of 4 files would be reformatted."
    assert check.exit_code == 0
    [path] = (into / "data/resources").rglob("*.yaml")
    record = to_legacy(_record(path))
    assert record["title"] == "Padded title"
    assert record["tags"] == ["alignment", "safety"]
    assert record["cited_by"] == ["alpha", "zeta"]
    assert record["fetched_at"] == "2024-01-01 10:00:00"
