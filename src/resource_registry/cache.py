"""The incremental cache: per-file results of files whose content has not changed.

It lives in ``.resreg-cache/`` under the registry root (which ignores itself in git). An
entry is reused only when the file's size, modification time (ns) and inode are what
they were, the code and the day are the same, and the cache file's checksum is right;
anything else is rebuilt, never trusted. Files modified less than two seconds before a
run started are never cached, so a write that lands within one timestamp tick of the
scan cannot hide behind an old entry. Writes are atomic (temporary file and rename), so
concurrent runs see a whole cache or none: the last writer wins.

The cache is stored as columns (one list per field, signatures as one array), which
loads in a few large pieces rather than one object per file: at 100,000 files, that is
the difference between a fraction of a second and several. Only per-file results are
cached; whole-catalog checks always see every record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import time
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from resource_registry.catalog import KeyTable
from resource_registry.findings import Finding, Severity
from resource_registry.fsutil import atomic_write
from resource_registry.records import FileResult

CACHE_DIR: Final = ".resreg-cache"
_FILE: Final = "validate-v2.bin"
_MAGIC: Final = b"RESREG-CACHE-2\n"
_RACY_NS: Final = 2_000_000_000
_STRING_COLUMNS: Final = ("stable_ids", "ids", "urls", "normal_urls", "publications")
_TUPLE_COLUMNS: Final = ("previous_urls", "tags", "cited_by")

Signature = tuple[int, int, int]
_EncodedFinding = tuple[int, int, str, str, str, str | None]


@dataclass(slots=True)
class CachedRun:
    """Everything a validation needs from its per-file results. Files that did not parse
    have a row of empty values in ``table``, which no catalog check matches."""

    table: KeyTable
    findings: list[Finding]
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Stored:
    table: KeyTable
    signatures: list[Signature]
    findings: dict[str, tuple[_EncodedFinding, ...]]
    unparsed: set[str]  # files with no key (they did not parse)


def run_with_cache(
    root: Path,
    today: dt.date,
    paths: Sequence[str],
    signatures: Mapping[str, Signature],
    check: Callable[[Sequence[str]], list[FileResult]],
) -> CachedRun:
    """Per-file results for ``paths``: cached where the file is unchanged, otherwise from
    ``check(paths) -> list[FileResult]``; the cache is then brought up to date."""
    started_ns = time.time_ns()
    notes: list[str] = []
    stored = _read(root, today, notes)
    row_of = {path: row for row, path in enumerate(stored.table.paths)} if stored else {}
    stale = [path for path in paths if not _unchanged(stored, row_of.get(path), signatures[path])]
    fresh = {result.path: result for result in check(stale)}
    if stored is not None and stored.table.paths == list(paths):
        table, findings, unparsed = stored.table, stored.findings, stored.unparsed
        for path, checked in fresh.items():
            _patch(table, row_of[path], checked, findings, unparsed)
        sigs = stored.signatures
        for path in fresh:
            sigs[row_of[path]] = signatures[path]
    else:  # files were added or removed: rebuild the columns, copying unchanged rows
        table, findings, unparsed, sigs = KeyTable(), {}, set(), []
        for path in paths:
            result: FileResult | None = fresh.get(path)
            if result is None and stored is not None:
                row = row_of[path]
                table.copy_row(stored.table, row)
                if path in stored.findings:
                    findings[path] = stored.findings[path]
                if path in stored.unparsed:
                    unparsed.add(path)
            elif result is not None:
                table.add(path, result.key)
                if result.findings:
                    findings[path] = tuple(_encode(f) for f in result.findings)
                if result.key is None:
                    unparsed.add(path)
            sigs.append(signatures[path])
    if fresh or stored is None or len(paths) != len(stored.table.paths):
        racy = {path for path in fresh if signatures[path][0] >= started_ns - _RACY_NS}
        _save(root, today, _Stored(table, sigs, findings, unparsed), racy, notes)
    decoded = [finding for path, encoded in findings.items() for finding in _decode(path, encoded)]
    return CachedRun(table, decoded, notes)


def _unchanged(stored: _Stored | None, row: int | None, signature: Signature) -> bool:
    return stored is not None and row is not None and stored.signatures[row] == signature


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
    try:
        data = (root / CACHE_DIR / _FILE).read_bytes()
    except OSError:
        return None
    header = len(_MAGIC) + 32
    payload = data[header:]
    if (
        data[: len(_MAGIC)] != _MAGIC
        or hashlib.sha256(payload).digest() != data[len(_MAGIC) : header]
    ):
        notes.append("cache was corrupt and has been rebuilt")
        return None
    try:
        stored = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):  # pragma: no cover - reason: the checksum passed
        return None
    if stored["fingerprint"] != _fingerprint() or stored["day"] != today.isoformat():
        return None
    table = KeyTable(paths=list(stored["paths"]))
    for name in _STRING_COLUMNS + _TUPLE_COLUMNS:
        setattr(table, name, list(stored[name]))
    sigs = array("q")
    sigs.frombytes(stored["signatures"])
    signatures = list(zip(sigs[0::3], sigs[1::3], sigs[2::3], strict=True))
    return _Stored(table, signatures, stored["findings"], set(stored["unparsed"]))


def _save(root: Path, today: dt.date, stored: _Stored, racy: set[str], notes: list[str]) -> None:
    """Write the cache; rows written within the racy window are stored with an impossible
    signature, so that they are checked again next time. A failure is only noted."""
    sigs = array("q")
    for path, signature in zip(stored.table.paths, stored.signatures, strict=True):
        sigs.extend((-1, -1, -1) if path in racy else signature)
    payload = marshal.dumps(
        {
            "fingerprint": _fingerprint(),
            "day": today.isoformat(),
            "paths": stored.table.paths,
            **{name: getattr(stored.table, name) for name in _STRING_COLUMNS + _TUPLE_COLUMNS},
            "signatures": sigs.tobytes(),
            "findings": stored.findings,
            "unparsed": sorted(stored.unparsed),
        }
    )
    folder = root / CACHE_DIR
    try:
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by resreg\n*\n", encoding="utf-8")
        atomic_write(folder / _FILE, _MAGIC + hashlib.sha256(payload).digest() + payload)
    except OSError as error:
        notes.append(f"cache not saved ({folder}: {error.strerror}); results are unaffected")


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
