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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Final

from resource_registry.base import git
from resource_registry.base.errors import FindingsError, UsageError
from resource_registry.base.findings import Severity
from resource_registry.base.fsutil import replacing_folder
from resource_registry.base.fsutil import sha256_file as sha256_of
from resource_registry.base.parallel import MIN_ITEMS_FOR_WORKERS, side_by_side
from resource_registry.check import tombstones
from resource_registry.cite import release as citations
from resource_registry.cite.gitdates import resource_dates
from resource_registry.record import layout, schemas
from resource_registry.record.constraints import TIMESTAMP_PATTERN
from resource_registry.record.models import SCHEMA_VERSION
from resource_registry.record.reader import list_entries
from resource_registry.record.redirects import resolve_all
from resource_registry.registry.validate import Options, validate_records
from resource_registry.release import formats, origin
from resource_registry.release.changes import compare, render_markdown
from resource_registry.release.dataset import MANIFEST, SUMS

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ExportResult:
    out: Path
    resources: int
    files: tuple[str, ...]
    dirty: bool = False  # exported from uncommitted changes


def export(
    root: Path,
    out: Path,
    *,
    version: str | None = None,
    previous: Path | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
    allow_dirty: bool = False,
) -> ExportResult:
    """Validate, then write every dataset file; refuses (writing nothing) on errors, and
    on uncommitted changes unless ``allow_dirty`` (then the manifest says
    ``source_dirty: true``)."""
    step = progress or (lambda _: None)
    step("validating")
    # never from the cache: its entries are keyed by what anyone can forge (a file's size
    # and modification time, checksums), and a release must stand on the data alone
    report, checked = validate_records(root, Options(jobs=jobs))
    errors = [item for item in report.findings if item.severity is Severity.ERROR]
    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        raise FindingsError(f"refusing to export: the registry has {len(errors):,} {noun}:", errors)
    dirty = uncommitted(root)
    if dirty and not allow_dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5:,} more" if len(dirty) > 5 else "")
        raise UsageError(
            f"refusing to export: the registry has uncommitted changes ({shown}), so the "
            "dataset would not be the commit its manifest names; commit them, or pass "
            "--allow-dirty to export them marked `source_dirty: true`"
        )
    previous_records = _previous_records(previous) if previous else None
    records = sorted(
        (formats.ordered(record) for record in checked),
        key=lambda record: str(record["stable_id"]),
    )
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
    owned = partial(origin.is_ours, kind="dataset")
    with replacing_folder(out, owned=owned, kind="a dataset made by resreg") as staging:
        _write_all(staging, records, vocabularies, meta, previous_records, step, bool(dirty))
        step("moving into place")
    files = tuple(sorted(path.name for path in out.iterdir()))
    return ExportResult(out, len(records), files, bool(dirty))


def _write_texts(
    folder: Path,
    records: list[dict[str, Any]],
    vocabularies: Mapping[str, list[dict[str, Any]]],
    redirects: Any,
) -> None:
    array, lines = formats.json_texts(records)
    _text(folder / "resources.json", array)
    _text(folder / "resources.jsonl", lines)
    _text(folder / "resources.csv", formats.csv_text(records))
    for name, entries in vocabularies.items():
        _text(folder / f"{name}.json", _json(entries))
        _text(folder / f"{name}.csv", formats.csv_text(entries, formats.VOCABULARY_COLUMNS[name]))
    _text(folder / "redirects.json", _json(_redirect_table(vocabularies["tombstones"], redirects)))
    _text(folder / "resource.schema.json", _record_schema())


def _write_citations(
    folder: Path, records: list[dict[str, Any]], vocabularies: Mapping[str, list[dict[str, Any]]]
) -> None:
    citations.write_citations(folder, records, vocabularies["publications"])
    formats.write_parquet(records, folder / "resources.parquet")


def _write_all(
    folder: Path,
    records: list[dict[str, Any]],
    vocabularies: Mapping[str, list[dict[str, Any]]],
    meta: Mapping[str, str],
    previous: list[dict[str, Any]] | None,
    step: Progress,
    dirty: bool,
) -> None:
    live = {record["stable_id"] for record in records}
    redirects = resolve_all(vocabularies["tombstones"], live)
    flagged = {**meta, "source_dirty": "true"} if dirty else meta
    step("writing JSON, CSV, citations, Parquet and SQLite")
    side_by_side(
        [
            ("JSON and CSV", partial(_write_texts, folder, records, vocabularies, redirects)),
            ("citations and Parquet", partial(_write_citations, folder, records, vocabularies)),
            (
                "SQLite",
                partial(
                    formats.write_sqlite, folder / "registry.sqlite", records, vocabularies, flagged
                ),
            ),
        ],
        parallel=len(records) >= MIN_ITEMS_FOR_WORKERS,
    )
    if previous is not None:
        changes = compare(previous, records, vocabularies["tombstones"])
        changes["to"] = {
            "dataset_version": meta["dataset_version"],
            "source_commit": meta["source_commit"],
        }
        _text(folder / "changes.json", _json(changes))
        _text(
            folder / "CHANGES.md",
            render_markdown(changes, previous, records, vocabularies["tombstones"]),
        )
    step("writing the manifest")
    sha256_file = _once(sha256_of)  # each file is final once written: hash it once
    _text(folder / origin.MARK, origin.mark_text("dataset", meta))
    counts = {"resources": len(records), **{name: len(v) for name, v in vocabularies.items()}}
    _text(folder / "datapackage.json", _json(_datapackage(folder, meta, sha256_file)))
    files = _file_entries(folder, sha256_file, leave_out=(MANIFEST, SUMS))
    manifest: dict[str, Any] = {**meta, "record_counts": counts, "files": files}
    if dirty:  # a clean dataset has no such key: readers that predate it see no change
        manifest = {**meta, "source_dirty": True, "record_counts": counts, "files": files}
    _text(folder / MANIFEST, _json(manifest))
    every = _file_entries(folder, sha256_file, leave_out=(SUMS,))
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


def _once(digest: Callable[[Path], str]) -> Callable[[Path], str]:
    known: dict[Path, str] = {}

    def cached(path: Path) -> str:
        if path not in known:
            known[path] = digest(path)
        return known[path]

    return cached


def _datapackage(
    folder: Path, meta: Mapping[str, str], sha256_file: Callable[[Path], str]
) -> dict[str, Any]:
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


def _file_entries(
    folder: Path, sha256_file: Callable[[Path], str], *, leave_out: tuple[str, ...]
) -> list[dict[str, Any]]:
    return [
        {"path": path.name, "bytes": path.stat().st_size, "sha256": sha256_file(path)}
        for path in sorted(folder.iterdir())
        if path.name not in leave_out
    ]


def _read_list(path: Path) -> list[dict[str, Any]]:
    return (list_entries(layout.read_capped(path)) or []) if path.exists() else []


def _previous_records(previous: Path) -> list[dict[str, Any]]:
    folder = previous.parent if previous.is_file() else previous
    jsonl = folder / "resources.jsonl"
    if not jsonl.is_file():
        raise UsageError(f"{previous} is not a dataset (no resources.jsonl beside its manifest)")
    return formats.read_jsonl(jsonl)


# what shapes the dataset: the data, and the registry's configuration
_SHAPES_OUTPUT: Final = ("data", "resreg.toml")


def uncommitted(root: Path) -> list[str]:
    """The paths under ``data/`` (and ``resreg.toml``) that differ from HEAD: modified,
    staged, deleted or untracked. Empty outside git, where no commit is claimed."""
    listed = git.output(
        root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *_SHAPES_OUTPUT
    )
    if listed is None:
        return []
    entries = listed.decode("utf-8", "replace").split("\0")
    paths, skip = [], False
    for entry in entries:
        if skip or not entry:  # the second path of a rename is its origin
            skip = False
            continue
        paths.append(entry[3:])
        skip = entry[0] in "RC"
    return paths


def _source(root: Path) -> tuple[str | None, str | None]:
    """The commit the registry is at, and its commit time (UTC, ISO 8601), if in git."""
    if epoch := os.environ.get("SOURCE_DATE_EPOCH"):
        moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        return None, moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    head = git.output(root, "log", "-1", "--format=%H %ct")
    if head is None or not head.strip():
        return None, None
    commit, seconds = head.decode().split()
    moment = dt.datetime.fromtimestamp(int(seconds), dt.UTC)
    return commit, moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(value: object) -> str:
    # validation refuses NaN and infinity; a value that slipped through stops here
    return json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="")  # the same bytes on every system
