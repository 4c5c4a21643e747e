"""``resreg export``: compile the registry into a versioned, verifiable dataset.

The dataset is built in a temporary folder beside the destination and swapped into
place only when every file is written, so an interrupted or failed export leaves no
partial dataset and never damages an existing one. The same commit gives the same bytes:
records are sorted by stable ID, and the only timestamp is the source commit's.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from resource_registry import formats, layout, schemas, tombstones
from resource_registry.changes import compare, render_markdown
from resource_registry.cite import release as citations
from resource_registry.cite.gitdates import resource_dates
from resource_registry.dataset import MANIFEST, SUMS
from resource_registry.errors import RegistryError, UsageError
from resource_registry.findings import Severity
from resource_registry.fsutil import replacing_folder, sha256_file
from resource_registry.loading import Document, read_document
from resource_registry.models import SCHEMA_VERSION, TIMESTAMP_PATTERN
from resource_registry.parallel import map_chunks
from resource_registry.redirects import resolve_all
from resource_registry.validation import Options, validate

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ExportResult:
    out: Path
    resources: int
    files: tuple[str, ...]


def export(
    root: Path,
    out: Path,
    *,
    version: str | None = None,
    previous: Path | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
) -> ExportResult:
    """Validate, then write every dataset file; refuses (writing nothing) on errors."""
    step = progress or (lambda _: None)
    step("validating")
    report = validate(root, Options(jobs=jobs))
    errors = report.count(Severity.ERROR)
    if errors:
        raise RegistryError(
            f"refusing to export: the registry has {errors:,} errors (`resreg validate` lists them)"
        )
    previous_records = _previous_records(previous) if previous else None
    step("reading records")
    records = _read_records(root, jobs)
    citations.add_dates(records, resource_dates(root, layout.RESOURCES_DIR))
    vocabularies = {
        name: _read_list(root / path)
        for name, path in (
            ("publications", layout.PUBLICATIONS),
            ("pages", layout.PAGES),
            ("tags", layout.TAGS),
        )
    }
    vocabularies["tombstones"] = sorted(
        tombstones.read_all(root), key=lambda stone: str(stone["stable_id"])
    )
    commit, committed_at = _source(root)
    meta = {
        "dataset_version": version or (committed_at or "unversioned")[:10],
        "source_commit": commit or "",
        "schema_version": SCHEMA_VERSION,
        "created": committed_at or "",
    }
    out = out.resolve()
    with replacing_folder(out, marker=MANIFEST, kind="a dataset") as staging:
        _write_all(staging, records, vocabularies, meta, previous_records, step)
        step("moving into place")
    files = tuple(sorted(path.name for path in out.iterdir()))
    return ExportResult(out, len(records), files)


def _write_all(
    folder: Path,
    records: list[dict[str, Any]],
    vocabularies: Mapping[str, list[dict[str, Any]]],
    meta: Mapping[str, str],
    previous: list[dict[str, Any]] | None,
    step: Progress,
) -> None:
    live = {record["stable_id"] for record in records}
    redirects = resolve_all(vocabularies["tombstones"], live)
    step("writing JSON")
    _text(folder / "resources.json", formats.json_text(records))
    _text(folder / "resources.jsonl", formats.jsonl_text(records))
    step("writing CSV")
    _text(folder / "resources.csv", formats.csv_text(records))
    for name, entries in vocabularies.items():
        _text(folder / f"{name}.json", _json(entries))
        _text(folder / f"{name}.csv", formats.csv_text(entries, formats.VOCABULARY_COLUMNS[name]))
    _text(folder / "redirects.json", _json(_redirect_table(vocabularies["tombstones"], redirects)))
    _text(folder / "resource.schema.json", _record_schema())
    step("writing citations")
    citations.write_citations(folder, records, vocabularies["publications"])
    step("writing Parquet")
    formats.write_parquet(records, folder / "resources.parquet")
    step("writing SQLite")
    formats.write_sqlite(folder / "registry.sqlite", records, vocabularies, meta)
    if previous is not None:
        changes = compare(previous, records, vocabularies["tombstones"])
        changes["to"] = {
            "dataset_version": meta["dataset_version"],
            "source_commit": meta["source_commit"],
        }
        _text(folder / "changes.json", _json(changes))
        _text(folder / "CHANGES.md", render_markdown(changes))
    step("writing the manifest")
    counts = {"resources": len(records), **{name: len(v) for name, v in vocabularies.items()}}
    _text(folder / "datapackage.json", _json(_datapackage(folder, meta)))
    files = _file_entries(folder, leave_out=(MANIFEST, SUMS))
    _text(folder / MANIFEST, _json({**meta, "record_counts": counts, "files": files}))
    every = _file_entries(folder, leave_out=(SUMS,))
    sums = "".join(f"{entry['sha256']}  {entry['path']}\n" for entry in every)
    _text(folder / SUMS, sums)


def _record_schema() -> str:
    """The schema of a resource file, with the two fields a release record adds."""
    schema = json.loads(schemas.generate(schemas.SCHEMA_FILES[0]))
    schema["description"] = (
        "One resource of the release: a resource file's fields, with `created` and "
        "`modified` from git history."
    )
    for name, about in (
        ("created", "When the first commit that touched the resource's file was made (UTC)."),
        ("modified", "When the latest commit that touched the resource's file was made (UTC)."),
    ):
        schema["properties"][name] = {
            "type": "string",
            "pattern": TIMESTAMP_PATTERN,
            "description": about,
        }
    return _json(schema)


def _redirect_table(
    tombstones: Sequence[Mapping[str, Any]], redirects: Mapping[str, Any]
) -> dict[str, str | None]:
    """Every retired stable ID and id to its live successor's stable ID, or null."""
    table: dict[str, str | None] = {}
    for stone in tombstones:
        redirect = redirects[str(stone["stable_id"])]
        table[str(stone["stable_id"])] = redirect.target
        table[str(stone["id"])] = redirect.target
    return dict(sorted(table.items()))


def _datapackage(folder: Path, meta: Mapping[str, str]) -> dict[str, Any]:
    tables = [("resources", formats.COLUMNS, "stable_id")]
    tables += [
        (name, columns, columns[0].name) for name, columns in formats.VOCABULARY_COLUMNS.items()
    ]
    package: dict[str, Any] = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "resource-registry",
        "title": "Resource Registry",
        "version": meta["dataset_version"],
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "resources": [],
    }
    if meta["created"]:
        package["created"] = meta["created"]
    for name, columns, key in tables:
        path = folder / f"{name}.csv"
        package["resources"].append(
            {
                "name": name,
                "type": "table",
                "path": path.name,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": path.stat().st_size,
                "hash": f"sha256:{sha256_file(path)}",
                "schema": formats.table_schema(columns, key),
            }
        )
    for file_name, (name, mediatype) in citations.MEDIA_TYPES.items():
        path = folder / file_name
        package["resources"].append(
            {
                "name": name,
                "path": file_name,
                "mediatype": mediatype,
                "encoding": "utf-8",
                "bytes": path.stat().st_size,
                "hash": f"sha256:{sha256_file(path)}",
            }
        )
    return package


def _file_entries(folder: Path, *, leave_out: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"path": path.name, "bytes": path.stat().st_size, "sha256": sha256_file(path)}
        for path in sorted(folder.iterdir())
        if path.name not in leave_out
    ]


def _read_records(root: Path, jobs: int | None) -> list[dict[str, Any]]:
    paths = layout.discover(root).resources
    records = map_chunks(partial(_read_chunk, str(root)), paths, jobs)
    return sorted(records, key=lambda record: str(record["stable_id"]))


def _read_chunk(root: str, paths: Sequence[str]) -> list[dict[str, Any]]:
    records = []
    for path in paths:
        parsed = read_document(layout.read_capped(os.path.join(root, path)))
        if not isinstance(parsed, Document) or not isinstance(parsed.data, dict):
            raise RegistryError(f"{path} changed during the export; run it again")
        records.append(formats.ordered(parsed.data))
    return records


def _read_list(path: Path) -> list[dict[str, Any]]:
    parsed = read_document(layout.read_capped(path)) if path.exists() else None
    return (
        list(parsed.data) if isinstance(parsed, Document) and isinstance(parsed.data, list) else []
    )


def _previous_records(previous: Path) -> list[dict[str, Any]]:
    folder = previous.parent if previous.is_file() else previous
    jsonl = folder / "resources.jsonl"
    if not jsonl.is_file():
        raise UsageError(f"{previous} is not a dataset (no resources.jsonl beside its manifest)")
    return formats.read_jsonl(jsonl)


def _source(root: Path) -> tuple[str | None, str | None]:
    """The commit the registry is at, and its commit time (UTC, ISO 8601), if in git."""
    if epoch := os.environ.get("SOURCE_DATE_EPOCH"):
        moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        return None, moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if shutil.which("git") is None:
        return None, None
    done = subprocess.run(
        ["git", "log", "-1", "--format=%H %ct"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        return None, None
    commit, seconds = done.stdout.split()
    moment = dt.datetime.fromtimestamp(int(seconds), dt.UTC)
    return commit, moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def _text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
