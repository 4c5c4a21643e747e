"""`resreg enrich` and `resreg check-metadata` against recorded answers on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import recorded
from conftest import MakeRegistry, resource_text
from resource_registry import Options, validate
from resource_registry.cli import cli
from resource_registry.record.reader import Document, read_document
from resource_registry.sources import enrich
from resource_registry.sources.filling import client_for, settings_for
from resource_registry.sources.gather import Described
from test_sources_apis import ATTENTION

PAPER_URL = "https://arxiv.org/abs/1706.03762"


@pytest.fixture(autouse=True)
def _cache_outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESREG_CACHE_DIR", str(tmp_path / "http-cache"))
    # the APIs' intervals between requests, cut for tests (the benchmark keeps arXiv's)
    monkeypatch.setattr("resource_registry.sources.filling.ARXIV_INTERVAL", 0.0)
    monkeypatch.setattr("resource_registry.sources.filling.SEMANTICSCHOLAR_INTERVAL", 0.0)


@pytest.fixture
def served() -> Iterator[recorded.Recorded]:
    yield from recorded.serving()


def _registry(
    make_registry: MakeRegistry, served: recorded.Recorded, records: dict[str, dict[str, object]]
) -> Path:
    files = {}
    for index, (url, fields) in enumerate(records.items()):
        path, text = resource_text(f"sid_Enrich{index:04d}", url, **fields)
        files[path] = "# a comment a person wrote\n" + text
    root = make_registry(files)
    recorded.write_config(root, served.base)
    return root


def _record(root: Path, index: int) -> dict[str, object]:
    path = next((root / "data/resources").rglob(f"sid_Enrich{index:04d}.yaml"))
    parsed = read_document(path.read_bytes())
    assert isinstance(parsed, Document)
    assert isinstance(parsed.data, dict)
    return parsed.data


def _invoke(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--root", str(root)], catch_exceptions=False)
    assert result.exit_code != 2, result.stderr
    return result.exit_code, result.stdout, result.stderr


def _no_errors(root: Path) -> None:
    report = validate(root, Options(cache=False))
    assert [item for item in report.findings if item.severity.value == "error"] == []


# --- enrich ---------------------------------------------------------------------------


def test_enrich_fills_only_missing_fields_and_records_their_source(
    make_registry: MakeRegistry, served: recorded.Recorded
) -> None:
    served.routes["/arxiv/api/query"] = recorded.arxiv_route({"1706.03762": ATTENTION})
    root = _registry(
        make_registry, served, {PAPER_URL: {"title": "Typed title", "authors": ["A. Person"]}}
    )
    status, out, _ = _invoke(root, "enrich")
    assert status == 0, out
    record = _record(root, 0)
    assert record["title"] == "Typed title"  # a person wrote it
    assert record["authors"] == ["A. Person"]
    assert record["published_date"] == "2017-06-12"
    assert record["abstract"].startswith("The dominant")  # type: ignore[union-attr]  # reason: text
    assert record["sources"] == {"published_date": "arxiv", "abstract": "arxiv"}
    path = next((root / "data/resources").rglob("*.yaml"))
    assert path.read_text().startswith("# a comment a person wrote\n")
    assert "filled 2 fields in 1 of 1 files" in out
    assert "published_date  arxiv 1" in out
    _no_errors(root)


def test_overwrite_replaces_what_a_person_wrote(
    make_registry: MakeRegistry, served: recorded.Recorded
) -> None:
    served.routes["/arxiv/api/query"] = recorded.arxiv_route({"1706.03762": ATTENTION})
    root = _registry(make_registry, served, {PAPER_URL: {"title": "Typed title"}})
    status, out, _ = _invoke(root, "enrich", "--fields", "authors", "--overwrite", "title")
    assert status == 0, out
    record = _record(root, 0)
    assert record["title"] == "Attention Is All You Need"
    assert record["authors"] == ["Ashish Vaswani", "Noam Shazeer"]
    assert "published_date" not in record
    assert record["sources"] == {"title": "arxiv", "authors": "arxiv"}


def test_dry_run_shows_the_diff_and_writes_nothing(
    make_registry: MakeRegistry, served: recorded.Recorded
) -> None:
    served.routes["/arxiv/api/query"] = recorded.arxiv_route({"1706.03762": ATTENTION})
    root = _registry(make_registry, served, {PAPER_URL: {}})
    path = next((root / "data/resources").rglob("*.yaml"))
    before = path.read_bytes()
    status, out, _ = _invoke(root, "enrich", "--dry-run", "--fields", "published_date")
    assert status == 0
    assert path.read_bytes() == before
    assert "+published_date: '2017-06-12'" in out
    assert "+sources:\n+  published_date: arxiv\n" in out
    assert "would fill 1 fields in 1 of 1 files" in out


def test_batches_and_a_rerun_that_asks_nothing_twice(
    make_registry: MakeRegistry, served: recorded.Recorded
) -> None:
    ids = [f"2101.{n:05d}" for n in range(150)]
    served.routes["/arxiv/api/query"] = recorded.arxiv_route(recorded.synthetic_papers(ids))
    root = _registry(make_registry, served, {f"https://arxiv.org/abs/{key}": {} for key in ids})
    status, out, _ = _invoke(root, "enrich", "--dry-run", "--format", "json")
    assert status == 0
    summary = json.loads(out)["summary"]
    assert summary["changed"] == 150
    assert len(served.asked("/arxiv/")) == 2  # 100 + 50
    asked = len(served.log)
    status, out, _ = _invoke(root, "enrich", "--format", "json")
    assert status == 0
    summary = json.loads(out)["summary"]
    assert summary["requests"] == {}
    assert summary["from_cache"] == 150
    assert len(served.log) == asked
    assert _record(root, 149)["title"] == "Resource sid_Enrich0149"  # typed: kept
    assert _record(root, 149)["authors"] == ["Author 2101.00149"]


# The interrupt may land while httpcore's anyio backend opens a connection: the connect
# coroutine it created and never started is reported when it is collected (not ours).
_UNSTARTED_CONNECT = "Exception ignored in. <coroutine object connect_tcp"


@pytest.mark.filterwarnings(f"ignore:{_UNSTARTED_CONNECT}:pytest.PytestUnraisableExceptionWarning")
def test_an_interrupted_run_keeps_what_it_wrote_and_a_rerun_finishes(
    make_registry: MakeRegistry, served: recorded.Recorded, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = ["2101.00001", "2101.00002"]
    served.routes["/arxiv/api/query"] = recorded.arxiv_route(recorded.synthetic_papers(ids))
    root = _registry(make_registry, served, {f"https://arxiv.org/abs/{key}": {} for key in ids})
    monkeypatch.setattr(enrich, "CHUNK", 1)
    settings = settings_for(root)
    paths = enrich.resource_paths(root, [])
    calls = []

    def interrupt(count: int) -> None:
        calls.append(count)
        if len(calls) == 2:  # after the skipped files and the first chunk
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        enrich.run(
            root,
            paths,
            enrich.Options(),
            settings,
            client_for(settings, allow_private=True),
            progress=interrupt,
        )
    assert "authors" in _record(root, 0)
    assert "authors" not in _record(root, 1)
    report = enrich.run(
        root, paths, enrich.Options(), settings, client_for(settings, allow_private=True)
    )
    assert report.changed == [paths[1]]
    assert "authors" in _record(root, 1)
    _no_errors(root)


def test_a_source_answering_garbage_is_a_finding_and_the_rest_goes_on(
    make_registry: MakeRegistry, served: recorded.Recorded
) -> None:
    served.routes["/arxiv/api/query"] = recorded.arxiv_route({"1706.03762": ATTENTION})
    served.routes["/lw/graphql"] = (200, {"Content-Type": "application/json"}, b"<html>")
    post = "https://www.lesswrong.com/posts/AAAAAAAAAAAAAAAAA/x"
    root = _registry(make_registry, served, {PAPER_URL: {}, post: {}})
    status, out, _ = _invoke(root, "enrich", "--fields", "authors", "--source", "arxiv,lesswrong")
    assert status == 0
    assert "M004" in out
    assert "lesswrong: the answer is not JSON" in out
    assert _record(root, 0)["authors"] == ["Ashish Vaswani", "Noam Shazeer"]
    assert "authors" not in _record(root, 1)


def test_a_result_that_would_not_validate_is_not_written(
    make_registry: MakeRegistry, served: recorded.Recorded
) -> None:
    root = _registry(make_registry, served, {PAPER_URL: {}})
    [path] = enrich.resource_paths(root, [])
    targets, _ = enrich.read_targets(root, [path], enrich.Options())
    found = Described(PAPER_URL, targets[0].wanted)
    found.values["publication"] = "not-in-the-vocabulary"  # no source gives this: forced
    found.values["published_date"] = "2999-01-01"
    found.sources.update(publication="domains", published_date="arxiv")
    report = enrich.EnrichReport()
    before = (root / path).read_bytes()
    enrich._apply(root, targets[0], found, enrich.Options(), settings_for(root), report)
    assert (root / path).read_bytes() == before
    assert "C002" in report.unwritten[path]


def test_unknown_fields_and_sources_are_usage_errors(
    make_registry: MakeRegistry, served: recorded.Recorded
) -> None:
    root = _registry(make_registry, served, {})
    result = CliRunner().invoke(cli, ["enrich", "--fields", "titel", "--root", str(root)])
    assert result.exit_code == 2
    assert "unknown field `titel`" in result.output
    result = CliRunner().invoke(cli, ["enrich", "--source", "google", "--root", str(root)])
    assert result.exit_code == 2
    assert "unknown source `google`" in result.output


# --- check-metadata -------------------------------------------------------------------


def test_check_metadata_reports_differences_at_their_lines(
    make_registry: MakeRegistry, served: recorded.Recorded
) -> None:
    second = recorded.Paper("2101.00002", "A Different Paper", ["X Y"], "2021-01-01", "A.")
    served.routes["/arxiv/api/query"] = recorded.arxiv_route(
        {"1706.03762": ATTENTION, "2101.00002": second}
    )
    root = _registry(
        make_registry,
        served,
        {
            PAPER_URL: {
                "title": "attention is all you need!",  # case and punctuation: the same
                "authors": ["Vaswani, A.", "Shazeer, N."],  # the same family names
                "published_date": "2017",  # the same at its precision
            },
            "https://arxiv.org/abs/2101.00002": {
                "title": "Something Else Entirely",
                "authors": ["Q. Z."],
                "published_date": "2020-05",
            },
        },
    )
    status, out, _ = _invoke(root, "check-metadata")
    assert status == 0
    lines = [line for line in out.splitlines() if ": M00" in line]
    assert len(lines) == 3
    assert all("sid_Enrich0001" in line for line in lines)
    assert any(
        ":5:8: M001 warning: the title differs from arxiv's 'A Different Paper'" in line
        for line in lines
    )
    assert any("M002" in line and "[X Y]" in line for line in lines)
    assert any("M003" in line and "arxiv's 2021-01-01" in line for line in lines)
    assert "3 differences" in out
    status, out, _ = _invoke(root, "check-metadata", "--strict", "--format", "json")
    assert status == 1
    document = json.loads(out)
    assert sorted(item["code"] for item in document["findings"]) == ["M001", "M002", "M003"]
    assert document["summary"]["compared"] == {"authors": 2, "published_date": 2, "title": 2}


def test_check_metadata_writes_nothing(
    make_registry: MakeRegistry, served: recorded.Recorded
) -> None:
    served.routes["/arxiv/api/query"] = recorded.arxiv_route({"1706.03762": ATTENTION})
    root = _registry(make_registry, served, {PAPER_URL: {"title": "Wrong"}})
    before = {p: p.read_bytes() for p in (root / "data").rglob("*.yaml")}
    _invoke(root, "check-metadata")
    assert {p: p.read_bytes() for p in (root / "data").rglob("*.yaml")} == before
