"""The cache: per-file results keyed by content.

Its face is :func:`results` (the work tree's files), :func:`content_results` (files
named by their git object ids, as the index lists them) and :func:`identities` (for
lookups), with :func:`cacheplace.registry_lock`; nothing else uses its internals.

- **Keyed by content.** A result is saved under the file's path and the git object id
  of the bytes that were checked (:func:`blob_id`), whoever read them: the checker
  hashes what it read, the hook mode takes the ids from git's index. Equal content
  gives an equal key, so one result serves the work tree, the index, every branch and
  every worktree of a repository.
- **Which content a work-tree file has** is known without reading it only from this
  cache's own record of its ``lstat`` (modification and change times in nanoseconds,
  size, inode, device) taken when that content was read. A change time cannot be set
  back, so a same-size edit with its old modification time put back still shows. Git's
  racy rule applies: a record is kept only for a file whose times are older than the
  run's start by more than any timestamp granularity (:data:`RACY_NS`), so an edit in
  the same tick as the read is never hidden. Anything else is read and hashed. The
  files are listed by the folder walk of ``--no-cache`` (:func:`layout.discover`):
  both see the same files and strays, by construction.
- **Valid** while the fingerprint (:func:`cacheplace.fingerprint`) is the same and,
  for the one rule that reads the clock (C002, a date in the future), on the same day:
  such a result is redone on a later day; any other stands (a date not in the future
  never will be), and a clock set back drops it. Whole-catalog checks are never cached.
- **Where** (:mod:`resource_registry.cache.place`): never in the work tree. One SQLite
  file per fingerprint (WAL: concurrent runs see whole transactions); a damaged one is
  deleted, never trusted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import marshal
import os
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from resource_registry.base.findings import Finding, Severity
from resource_registry.cache.place import cache_dir, fingerprint
from resource_registry.check.file_rules import IN_THE_FUTURE, FileResult, ResourceKey
from resource_registry.record import layout
from resource_registry.record.layout import Discovered

RACY_NS: Final = 2_000_000_000  # more than any file system's timestamp granularity
_KEPT_STORES: Final = 3  # stores of other fingerprints kept (other branches of the code)
_CORRUPT: Final = "cache was corrupt and has been rebuilt"
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS results (path TEXT, blob TEXT, day TEXT, dated INTEGER,
    findings BLOB, key BLOB, crc INTEGER, PRIMARY KEY (path, blob)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS seen (root TEXT, path TEXT, stat TEXT, blob TEXT,
    PRIMARY KEY (root, path)) WITHOUT ROWID;
"""

# a checker: paths -> for each, the object id of the bytes it read and the result
Check = Callable[[Sequence[str]], list[tuple[str, FileResult]]]
_Saved = tuple[str, str, str | None, int | None, bytes | None, bytes | None]


def blob_id(data: bytes) -> str:
    """Git's object id of a file holding ``data``."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def results(
    root: Path, today: dt.date, discovered: Discovered, check: Check, notes: list[str]
) -> list[FileResult]:
    """The result of every file of ``discovered`` (listed with signatures), in order:
    saved where valid, else from ``check``; then the cache is brought up to date (a
    failure to save is noted; results stand)."""
    started = time.time_ns()
    store = _Store(root, notes)
    seen = store.seen(root)
    found: dict[str, FileResult] = {}
    stale: list[str] = []
    for path in discovered.resources:
        record = seen.get(path)
        unchanged = record is not None and record[2] == discovered.signatures[path]
        if unchanged and record and (result := _valid(path, record, today)) is not None:
            found[path] = result
        else:
            stale.append(path)
    blobs = _hashed(root, stale) if store.has_results() else {}  # copied, touched, redone
    found.update(store.lookup(blobs, today))
    fresh = check([path for path in stale if path not in found])
    for blob, result in fresh:
        found[result.path] = result
        blobs[result.path] = blob
    store.put(today, [(blob, result) for blob, result in fresh if blob])
    store.record(root, started, discovered, seen, blobs)
    return [found[path] for path in discovered.resources]


def content_results(
    root: Path,
    today: dt.date,
    blobs: Mapping[str, str],
    check: Callable[[Sequence[tuple[str, str]]], list[FileResult]],
    notes: list[str],
) -> list[FileResult]:
    """The result of each file that ``blobs`` names (path -> object id of its content),
    in order: saved where valid, else from ``check([(path, blob), ...])``."""
    store = _Store(root, notes)
    found = store.lookup(blobs, today)
    missing = [(path, blob) for path, blob in blobs.items() if path not in found]
    fresh = check(missing)
    found.update((result.path, result) for result in fresh)
    store.put(today, [(blob, result) for (_, blob), result in zip(missing, fresh, strict=True)])
    return [found[path] for path in blobs]


def identities(
    root: Path, discovered: Discovered, read_keys: Callable[[Sequence[str]], list[FileResult]]
) -> list[ResourceKey | None]:
    """Every listed file's identity: saved where its content has a result of any day
    (identities do not depend on it), else from ``read_keys``. Saves nothing."""
    seen = _Store(root, []).seen(root)
    keys: dict[str, ResourceKey | None] = {}
    unknown = []
    for path in discovered.resources:
        record = seen.get(path)
        if record is not None and record[2] == discovered.signatures[path] and record[5]:
            keys[path] = _key(path, record[5])
        else:
            unknown.append(path)
    keys.update((result.path, result.key) for result in read_keys(unknown))
    return [keys[path] for path in discovered.resources]


class _Store:
    """The SQLite file of this fingerprint; opened on first use, each call one
    transaction. A damaged file is deleted (and noted); a failure to write is noted."""

    def __init__(self, root: Path, notes: list[str]) -> None:
        self._folder = cache_dir(root)
        self._path = self._folder / f"results-{fingerprint()[:16]}.sqlite"
        self._notes = notes
        self._db: sqlite3.Connection | None = None
        self._broken = False

    def seen(self, root: Path) -> dict[str, _Saved]:
        """This checkout's records: path -> (path, blob, stat, dated, findings, key),
        with the result's day in place of the stat's root; result columns None if none."""
        query = (
            "SELECT s.path, r.day, s.stat, r.dated, r.findings, r.key, s.blob, r.crc FROM seen s"
            " LEFT JOIN results r ON r.path = s.path AND r.blob = s.blob WHERE s.root = ?"
        )
        rows = self._read(query, (_root_key(root),))
        found = {row[0]: (row[6], row[1], row[2], row[3], row[4], row[5]) for row in rows}
        self._verify((path, found[path], crc) for path, *_, crc in rows if crc is not None)
        return found if not self._broken else {}

    def has_results(self) -> bool:
        return bool(self._read("SELECT 1 FROM results LIMIT 1", ()))

    def lookup(self, blobs: Mapping[str, str], today: dt.date) -> dict[str, FileResult]:
        """The valid saved result of each (path, blob)."""
        db = self._open()
        if not blobs or db is None:
            return {}
        try:  # a join with a temporary table: one query, whatever the number
            db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (path TEXT, blob TEXT)")
            db.execute("DELETE FROM temp.wanted")
            db.executemany("INSERT INTO temp.wanted VALUES (?, ?)", blobs.items())
        except sqlite3.DatabaseError as error:
            self._fail(error)
            return {}
        query = (
            "SELECT w.path, r.blob, r.day, NULL, r.dated, r.findings, r.key, r.crc FROM "
            "temp.wanted w JOIN results r ON r.path = w.path AND r.blob = w.blob"
        )
        rows = self._read(query, ())
        self._verify((path, tuple(row), crc) for path, *row, crc in rows)
        found = {}
        for path, *row, _ in rows:
            if (result := _valid(path, tuple(row), today)) is not None:
                found[path] = result
        return found if not self._broken else {}

    def _verify(self, rows: Iterable[tuple[str, _Saved, int]]) -> None:
        """Damage that SQLite cannot see (a flipped bit in a value) fails the row's CRC."""
        for _, (_, day, _, dated, findings, key), crc in rows:
            if crc != _crc(day or "", dated or 0, findings or b"", key or b""):
                self._fail(sqlite3.DatabaseError("a row's checksum is wrong"))
                return

    def put(self, today: dt.date, fresh: Iterable[tuple[str, FileResult]]) -> None:
        rows = []
        for blob, result in fresh:
            row = (result.path, blob, today.isoformat(), *_encoded(result))
            rows.append((*row, _crc(*row[2:])))
        if rows:
            self._write("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def record(
        self,
        root: Path,
        started_ns: int,
        discovered: Discovered,
        seen: Mapping[str, _Saved],
        blobs: Mapping[str, str],
    ) -> None:
        """Record the stat of each file whose content was read, unless too recent to
        tell a later edit apart; forget files gone or racy."""
        key, trusted_before = _root_key(root), started_ns - RACY_NS
        keep, drop = [], [path for path in seen if path not in discovered.signatures]
        for path, blob in blobs.items():
            signature = discovered.signatures[path]
            if max(map(int, signature.split(":")[:2])) < trusted_before:
                keep.append((key, path, signature, blob))
            elif path in seen:
                drop.append(path)
        if keep:
            self._write("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?)", keep)
        if drop:
            self._write("DELETE FROM seen WHERE root = ? AND path = ?", [(key, p) for p in drop])

    def _read(self, query: str, parameters: tuple[str, ...]) -> list[Any]:  # sqlite's rows
        db = self._open()
        if db is None:
            return []
        try:
            return db.execute(query, parameters).fetchall()
        except sqlite3.DatabaseError as error:
            self._fail(error)
            return []

    def _write(self, statement: str, rows: Sequence[tuple[object, ...]]) -> None:
        db = self._open()
        if db is None:
            return
        try:
            with db:
                db.executemany(statement, rows)
        except sqlite3.DatabaseError as error:
            self._fail(error)

    def _open(self) -> sqlite3.Connection | None:
        if self._db is None and not self._broken:
            try:
                self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                db = sqlite3.connect(self._path, timeout=30)
                db.execute("PRAGMA journal_mode=WAL")
                # no fsync: a power cut may lose writes, which is harmless (every row is a
                # fact about its key); damage is noticed (SQLite's errors, the CRCs)
                db.execute("PRAGMA synchronous=OFF")
                db.execute("PRAGMA temp_store=MEMORY")  # the lookups' join table
                db.executescript(_SCHEMA)
                self._db = db
                _remove_other_stores(self._folder, self._path)
            except OSError as error:
                self._broken = True
                self._notes.append(f"cache not saved ({self._folder}: {error.strerror})")
            except sqlite3.DatabaseError as error:
                self._fail(error)
        return self._db

    def _fail(self, error: sqlite3.DatabaseError) -> None:
        """A damaged file is removed (the next run rebuilds it); anything else (locked,
        read-only, disk full) only keeps this run from saving."""
        if self._db is not None:
            self._db.close()
        self._db, self._broken = None, True
        if type(error) is sqlite3.DatabaseError:  # "file is not a database", "malformed"
            self._notes.append(_CORRUPT)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self._path}{suffix}").unlink(missing_ok=True)
        else:
            self._notes.append(f"cache not saved ({self._path}: {error}); results are unaffected")


def _remove_other_stores(folder: Path, current: Path) -> None:
    """Keep the few latest stores of other fingerprints (another branch of the code)."""
    others = sorted(
        (path for path in folder.glob("results-*.sqlite") if path != current),
        key=lambda path: path.stat().st_mtime_ns,
        reverse=True,
    )
    for path in others[_KEPT_STORES:]:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _crc(day: str, dated: int, findings: bytes, key: bytes) -> int:
    """Of a row's values (a damaged path or blob, its primary key, matches no file)."""
    return zlib.crc32(b"%s\0%d\0%s\0%s" % (day.encode(), dated, findings, key))


def _valid(path: str, saved: _Saved, today: dt.date) -> FileResult | None:
    """The saved result, if it holds ``today`` (see the module's docstring)."""
    _, day, _, dated, findings, key = saved
    if day is None or findings is None or key is None:
        return None
    if day != today.isoformat() and (dated or day > today.isoformat()):
        return None
    return FileResult(path, _findings(path, findings), _key(path, key))


def _encoded(result: FileResult) -> tuple[int, bytes, bytes]:
    """Whether the result depends on the day, its findings and its key, marshalled."""
    findings = [
        (item.line, item.col, item.code, item.severity.value, item.message, item.hint)
        for item in result.findings
    ]
    dated = any(item.code == IN_THE_FUTURE for item in result.findings)
    key = tuple(result.key[1:]) if result.key is not None else None
    return int(dated), marshal.dumps(findings), marshal.dumps(key)


def _findings(path: str, blob: bytes) -> tuple[Finding, ...]:
    return tuple(
        Finding(path, line, col, code, Severity(severity), message, hint)
        for line, col, code, severity, message, hint in marshal.loads(blob)
    )


def _key(path: str, blob: bytes) -> ResourceKey | None:
    values = marshal.loads(blob)
    return None if values is None else ResourceKey(path, *values)


def _hashed(root: Path, paths: Sequence[str]) -> dict[str, str]:
    """The object id of each file's bytes as the checker reads them (a file that cannot
    be read is left to the checker, which reports it)."""
    found = {}
    for path in paths:
        with contextlib.suppress(OSError):
            found[path] = blob_id(layout.read_capped(root / path))
    return found


def _root_key(root: Path) -> str:
    return os.fsdecode(root.resolve())
