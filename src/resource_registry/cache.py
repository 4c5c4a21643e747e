"""The incremental cache: per-file results of files whose content has not changed.

It lives in ``.resreg-cache/`` under the registry root (which ignores itself in git). An
entry is reused only when the file's size, modification time (ns) and inode are what
they were, the code and the day are the same, and the cache file's checksum is right;
anything else is rebuilt, never trusted. Files modified less than two seconds before a
run started are never cached, so a write that lands within one timestamp tick of the
scan cannot hide behind an old entry. Writes are atomic (temporary file and rename), so
concurrent runs see a whole cache or none: the last writer wins.

Only per-file results are cached; whole-catalog checks always see every record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from resource_registry.findings import Finding, Severity
from resource_registry.fsutil import atomic_write
from resource_registry.records import FileResult, ResourceKey

CACHE_DIR: Final = ".resreg-cache"
_FILE: Final = "validate-v1.bin"
_MAGIC: Final = b"RESREG-CACHE-1\n"
_RACY_NS: Final = 2_000_000_000

Signature = tuple[int, int, int]


@dataclass(slots=True)
class ResultCache:
    """Cached results for one registry, for one day and one version of the code."""

    root: Path
    today: dt.date
    entries: dict[str, tuple[Signature, object]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    _started_ns: int = field(default_factory=time.time_ns)
    _dirty: bool = False

    @classmethod
    def open(cls, root: Path, today: dt.date) -> ResultCache:
        cache = cls(root, today)
        cache.entries = cache._read()
        return cache

    def get(self, path: str, signature: Signature) -> FileResult | None:
        entry = self.entries.get(path)
        if entry is None or entry[0] != signature:
            return None
        return _decode(path, entry[1])

    def put(self, result: FileResult, signature: Signature) -> None:
        if signature[0] >= self._started_ns - _RACY_NS:
            self.entries.pop(result.path, None)
        else:
            self.entries[result.path] = (signature, _encode(result))
        self._dirty = True

    def keep_only(self, paths: Sequence[str]) -> None:
        """Forget files that no longer exist."""
        if len(self.entries) != len(paths):
            wanted = set(paths)
            self.entries = {path: entry for path, entry in self.entries.items() if path in wanted}
            self._dirty = True

    def save(self) -> None:
        """Write the cache if it changed; a cache that cannot be written is only noted."""
        if not self._dirty:
            return
        payload = marshal.dumps((_fingerprint(), self.today.isoformat(), self.entries))
        data = _MAGIC + hashlib.sha256(payload).digest() + payload
        folder = self.root / CACHE_DIR
        try:
            folder.mkdir(exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by resreg\n*\n", encoding="utf-8")
            atomic_write(folder / _FILE, data)
        except OSError as error:
            self.notes.append(
                f"cache not saved ({folder}: {error.strerror}); results are unaffected"
            )

    def _read(self) -> dict[str, tuple[Signature, object]]:
        try:
            data = (self.root / CACHE_DIR / _FILE).read_bytes()
        except OSError:
            return {}
        header = len(_MAGIC) + 32
        payload = data[header:]
        if (
            data[: len(_MAGIC)] != _MAGIC
            or hashlib.sha256(payload).digest() != data[len(_MAGIC) : header]
        ):
            self.notes.append("cache was corrupt and has been rebuilt")
            self._dirty = True
            return {}
        try:
            fingerprint, day, entries = marshal.loads(payload)
        except (EOFError, ValueError, TypeError):  # pragma: no cover - reason: checksum passed
            return {}
        if fingerprint != _fingerprint() or day != self.today.isoformat():
            self._dirty = True
            return {}
        return entries  # type: ignore[no-any-return]  # reason: marshal returns what save wrote


def signature_of(stat: os.stat_result) -> Signature:
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _encode(result: FileResult) -> object:
    findings = tuple(
        (f.line, f.col, f.code, f.severity.value, f.message, f.hint) for f in result.findings
    )
    return (findings, tuple(result.key) if result.key else None)


def _decode(path: str, encoded: Any) -> FileResult:
    findings, key = encoded
    return FileResult(
        path,
        tuple(
            Finding(path, line, col, code, Severity(sev), message, hint)
            for line, col, code, sev, message, hint in findings
        )
        if findings
        else (),
        _make_key(key) if key is not None else None,
    )


_make_key = ResourceKey._make


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


def cached_results(
    cache: ResultCache, signatures: Mapping[str, Signature]
) -> tuple[dict[str, FileResult], list[str]]:
    """Split files into those with a usable cached result and those to check."""
    found: dict[str, FileResult] = {}
    missing: list[str] = []
    for path, signature in signatures.items():
        result = cache.get(path, signature)
        if result is None:
            missing.append(path)
        else:
            found[path] = result
    return found, missing
