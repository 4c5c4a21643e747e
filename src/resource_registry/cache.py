"""The incremental cache: per-file results of files whose content has not changed.

It lives in ``.resreg-cache/`` under the registry root (which ignores itself in git). An
entry is reused only when the file's signature is what it was (its content hash from
git's index, or its size, modification time (ns) and inode: see
:mod:`resource_registry.worktree`), the code and the day are the same, and the cache
file's checksum is right; anything else is rebuilt, never trusted. Files modified less
than two seconds before a run started are never cached, so a write that lands within
one timestamp tick of the scan, or between git's look and ours, cannot hide behind an
old entry. Writes are atomic (temporary file and rename), so concurrent runs see a
whole cache or none: the last writer wins.

The cache is stored as columns (one list per field, each marshalled on its own), which
loads in a few large pieces rather than one object per file: at 100,000 files, that is
the difference between a fraction of a second and several. Values repeated across files
(tags, pages, publications) are interned by :class:`~resource_registry.catalog.KeyTable`,
so marshal stores and loads each of them once. Only per-file results are
cached; whole-catalog checks always see every record.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import marshal
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from resource_registry.catalog import Issue, KeyTable
from resource_registry.findings import Finding, Severity
from resource_registry.fsutil import atomic_write
from resource_registry.layout import Discovered
from resource_registry.records import FileResult

CACHE_DIR: Final = ".resreg-cache"
CACHE_FILE: Final = f"{CACHE_DIR}/validate-v3.bin"
CATALOG_FILE: Final = f"{CACHE_DIR}/catalog-v1.bin"
_MAGIC: Final = b"RESREG-CACHE-3\n"
_RACY_NS: Final = 2_000_000_000
_STRING_COLUMNS: Final = ("stable_ids", "ids", "urls", "normal_urls", "publications")
_TUPLE_COLUMNS: Final = ("previous_urls", "tags", "cited_by")
_TABLE_COLUMNS: Final = ("paths", *_STRING_COLUMNS, *_TUPLE_COLUMNS)

_EncodedFinding = tuple[int, int, str, str, str, str | None]


@dataclass(slots=True)
class CachedRun:
    """Everything a validation needs from its per-file results. Files that did not parse
    have a row of empty values in ``table``, which no catalog check matches."""

    table: KeyTable
    findings: list[Finding]
    discovered: Discovered
    notes: list[str] = field(default_factory=list)
    # identifies ``table`` as saved in the cache, for :func:`cached_catalog`; None when
    # the table was not saved
    table_digest: str | None = None


@dataclass(slots=True)
class _Stored:
    table: KeyTable
    signatures: list[str]
    findings: dict[str, tuple[_EncodedFinding, ...]]
    unparsed: set[str]  # files with no key (they did not parse)
    # the marshalled form of each table column as read, dropped when the column changes
    unchanged_blobs: dict[str, bytes] = field(default_factory=dict)
    table_digest: str = ""  # sha256 of the table's columns as saved ("" when unknown)


def run_with_cache(
    root: Path,
    today: dt.date,
    discover: Callable[[], Discovered],
    check: Callable[[Sequence[str]], list[FileResult]],
    *,
    save: bool = True,
) -> CachedRun:
    """Per-file results for the files ``discover()`` finds (called once the cache is
    loaded, so that it can run meanwhile): cached where the file is unchanged, otherwise
    from ``check(paths) -> list[FileResult]``; the cache is then brought up to date,
    unless ``save`` is false (commands that only look things up leave that to the next
    validation)."""
    started_ns = time.time_ns()
    notes: list[str] = []
    stored = _read(root, today, notes)
    discovered = discover()
    paths, signatures = discovered.resources, discovered.signatures
    current = [signatures[path] for path in paths]
    if stored is not None and stored.table.paths == list(paths):  # the common case
        pairs = zip(stored.signatures, current, strict=True)
        row_of = {paths[row]: row for row, (old, new) in enumerate(pairs) if old != new}
        fresh = {result.path: result for result in check(list(row_of))}
        for path, checked in fresh.items():
            row = row_of[path]
            before = stored.table.row(row)
            _patch(stored.table, row, checked, stored.findings, stored.unparsed)
            if stored.table.row(row) != before:  # the identity changed: write its columns
                stored.unchanged_blobs = {"paths": stored.unchanged_blobs["paths"]}
            stored.signatures[row_of[path]] = signatures[path]
        updated = stored
    else:  # files were added or removed (or nothing is cached): rebuild the columns
        rows = _rows_in(stored, paths)
        old = stored.signatures if stored else []
        stale = [
            path
            for path, row, signature in zip(paths, rows, current, strict=True)
            if row < 0 or old[row] != signature
        ]
        fresh = {result.path: result for result in check(stale)}
        updated = _rebuild(paths, rows, current, fresh, stored)
    saved = updated is stored and not fresh  # the cache already holds this table
    if save and not saved:
        racy = {path for path in fresh if _racy(root, path, signatures[path], started_ns)}
        saved = _save(root, today, updated, racy, notes)
    decoded = [
        finding for path, encoded in updated.findings.items() for finding in _decode(path, encoded)
    ]
    digest = updated.table_digest if saved and updated.table_digest else None
    return CachedRun(updated.table, decoded, discovered, notes, digest)


def _rows_in(stored: _Stored | None, paths: Sequence[str]) -> list[int]:
    """The row of each path in the stored table, -1 where it has none."""
    if stored is None:
        return [-1] * len(paths)
    row_of = {path: row for row, path in enumerate(stored.table.paths)}
    return [row_of.get(path, -1) for path in paths]


def _rebuild(
    paths: Sequence[str],
    rows: Sequence[int],
    signatures: list[str],
    fresh: Mapping[str, FileResult],
    stored: _Stored | None,
) -> _Stored:
    """New columns for ``paths``: stored rows, then fresh results over them, column by
    column (a loop per row would cost a second at 100,000 files)."""
    table = stored.table.taken(paths, rows) if stored else KeyTable.empty(paths)
    kept = set(paths)
    findings = (
        {path: found for path, found in stored.findings.items() if path in kept} if stored else {}
    )
    unparsed = (stored.unparsed & kept) if stored else set()
    updated = _Stored(table, signatures, findings, unparsed)
    for row, path in enumerate(paths):
        if (result := fresh.get(path)) is not None:
            _patch(table, row, result, findings, unparsed)
    return updated


def _racy(root: Path, path: str, signature: str, started_ns: int) -> bool:
    """Whether the file may have changed without its signature changing: modified
    within the window before the run started (stat signatures), or at all since git
    hashed it (content signatures, checked now, after the file was read)."""
    if signature.startswith("s"):
        modified_ns = int(signature[1:].split(":", 1)[0])
    else:
        try:
            modified_ns = os.lstat(root / path).st_mtime_ns
        except OSError:
            return True
    return modified_ns >= started_ns - _RACY_NS


def _patch(
    table: KeyTable,
    row: int,
    result: FileResult,
    findings: dict[str, tuple[_EncodedFinding, ...]],
    unparsed: set[str],
) -> None:
    table.set(row, result.key)
    if result.findings:
        findings[result.path] = tuple(_encode(f) for f in result.findings)
    else:
        findings.pop(result.path, None)
    if result.key is None:
        unparsed.add(result.path)
    else:
        unparsed.discard(result.path)


def _encode(finding: Finding) -> _EncodedFinding:
    return (
        finding.line,
        finding.col,
        finding.code,
        finding.severity.value,
        finding.message,
        finding.hint,
    )


def _decode(path: str, encoded: Sequence[_EncodedFinding]) -> list[Finding]:
    return [
        Finding(path, line, col, code, Severity(severity), message, hint)
        for line, col, code, severity, message, hint in encoded
    ]


def _read(root: Path, today: dt.date, notes: list[str]) -> _Stored | None:
    payload = _open_envelope(root / CACHE_FILE, notes)
    if payload is None:
        return None
    try:
        stored = marshal.loads(payload)
        if stored["fingerprint"] != _fingerprint() or stored["day"] != today.isoformat():
            return None
        columns = {name: marshal.loads(blob) for name, blob in stored["columns"].items()}
    except (EOFError, ValueError, TypeError):  # pragma: no cover - reason: the checksum passed
        return None
    table = KeyTable(paths=columns["paths"])
    for name in _STRING_COLUMNS + _TUPLE_COLUMNS:
        setattr(table, name, columns[name])
    blobs = {name: stored["columns"][name] for name in _TABLE_COLUMNS}
    unparsed = set(columns["unparsed"])
    return _Stored(
        table, columns["signatures"], columns["findings"], unparsed, blobs, stored.get("table", "")
    )


def _open_envelope(path: Path, notes: list[str]) -> memoryview | None:
    """The payload of a cache file whose magic and checksum are right."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header = len(_MAGIC) + 32
    payload = memoryview(data)[header:]  # no copy of a file of tens of megabytes
    if (
        data[: len(_MAGIC)] != _MAGIC
        or hashlib.sha256(payload).digest() != data[len(_MAGIC) : header]
    ):
        notes.append("cache was corrupt and has been rebuilt")
        return None
    return payload


def _seal_envelope(path: Path, payload: bytes) -> None:
    """Write a cache file: magic, checksum, payload; atomic, not fsynced (a cache lost to
    a power cut is only rebuilt). The folder is created, ignoring itself in git."""
    folder = path.parent
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# created by resreg\n*\n", encoding="utf-8")
    atomic_write(path, _MAGIC + hashlib.sha256(payload).digest() + payload, durable=False)


def _save(root: Path, today: dt.date, stored: _Stored, racy: set[str], notes: list[str]) -> bool:
    """Write the cache; rows written within the racy window are stored with an impossible
    signature, so that they are checked again next time. A failure is only noted."""
    sigs = [
        "" if path in racy else signature  # "" matches no real signature
        for path, signature in zip(stored.table.paths, stored.signatures, strict=True)
    ]
    columns = {
        "paths": stored.table.paths,
        **{name: getattr(stored.table, name) for name in _STRING_COLUMNS + _TUPLE_COLUMNS},
        "signatures": sigs,
        "findings": stored.findings,
        "unparsed": sorted(stored.unparsed),
    }
    # one blob per column: loading many small pieces is faster than one large one
    blobs = {
        name: stored.unchanged_blobs.get(name) or marshal.dumps(column)
        for name, column in columns.items()
    }
    if not stored.table_digest or any(n not in stored.unchanged_blobs for n in _TABLE_COLUMNS):
        digest = hashlib.sha256()
        for name in _TABLE_COLUMNS:
            digest.update(blobs[name])
        stored.table_digest = digest.hexdigest()
    payload = marshal.dumps(
        {
            "fingerprint": _fingerprint(),
            "day": today.isoformat(),
            "table": stored.table_digest,
            "columns": blobs,
        }
    )
    try:
        _seal_envelope(root / CACHE_FILE, payload)
    except OSError as error:
        notes.append(
            f"cache not saved ({root / CACHE_DIR}: {error.strerror}); results are unaffected"
        )
        return False
    return True


def cached_catalog(
    root: Path,
    today: dt.date,
    table_digest: str,
    vocabulary_files: bytes,
    compute: Callable[[], tuple[list[Finding], list[Issue]]],
) -> tuple[list[Finding], list[Issue]]:
    """``compute()`` (the vocabulary's findings and the whole-catalog issues), or its
    stored result when the identity table (by digest), the vocabulary files (by content),
    the code and the day are all the same as when it was stored."""
    key = hashlib.sha256(
        "\0".join((_fingerprint(), today.isoformat(), table_digest)).encode() + vocabulary_files
    ).hexdigest()
    payload = _open_envelope(root / CATALOG_FILE, [])
    stored = marshal.loads(payload) if payload is not None else None
    if isinstance(stored, dict) and stored.get("key") == key:
        findings = [f for path, encoded in stored["findings"] for f in _decode(path, encoded)]
        return findings, [Issue(*issue) for issue in stored["issues"]]
    findings, issues = compute()
    encoded = [(f.path, (_encode(f),)) for f in findings]
    plain = [(i.path, i.pointer, i.code, i.message, i.hint) for i in issues]
    with contextlib.suppress(OSError):  # results stand without it
        _seal_envelope(
            root / CATALOG_FILE, marshal.dumps({"key": key, "findings": encoded, "issues": plain})
        )
    return findings, issues


_CODE_FINGERPRINT: list[str] = []


def _fingerprint() -> str:
    """Changes whenever the package's code does: cached results then no longer count."""
    if not _CODE_FINGERPRINT:
        digest = hashlib.sha256()
        package = Path(__file__).parent
        for source in sorted(package.glob("*.py")):
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
        _CODE_FINGERPRINT.append(digest.hexdigest())
    return _CODE_FINGERPRINT[0]
