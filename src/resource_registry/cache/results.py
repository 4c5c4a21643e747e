"""The cache: per-file results keyed by content, read back as the catalog's columns.

Its face is :func:`results` (the work tree's files), :func:`content_results` (files
named by their git object ids, as the index or a tree lists them) and
:func:`identities` (for lookups), with :func:`place.registry_lock`; nothing else uses
its internals.

- **Keyed by content.** A result is saved under the file's path and the git object id
  of the bytes that were checked (:func:`blob_id`), whoever read them: the checker
  hashes what it read, the hook mode takes the ids from git's index. Equal content
  gives an equal key, so one result serves the work tree, the index, every branch and
  every worktree of a repository.
- **Stored as columns.** A result row holds the file's findings (none for most files)
  and its identity (stable ID, id, URLs, references) as columns, so that a run reads
  every file's identity in one query and decodes only the findings that exist.
- **Views.** Which content each path has is recorded per view: the work tree of a
  checkout (keyed by each file's ``lstat``: modification and change times in
  nanoseconds, size, inode, device, taken when that content was read), or git's
  index or HEAD (keyed by the object id itself). A change time cannot be set back, so
  a same-size edit with its old modification time put back still shows. Git's racy
  rule applies: a work-tree record is kept only for a file whose times are older than
  the run's start by more than any timestamp granularity (:data:`RACY_NS`), so an edit
  in the same tick as the read is never hidden. Anything else is read and hashed. The
  files are listed by the folder walk of ``--no-cache`` (:func:`layout.discover`):
  both see the same files and strays, by construction.
- **Valid** while the fingerprint (:func:`place.fingerprint`) is the same and, for the
  one rule that reads the clock (C002, a date in the future), on the same day: such a
  result is redone on a later day; any other stands (a date not in the future never
  will be), and a clock set back drops it. Whole-catalog checks are never cached: they
  run over the columns of every current file, every time.
- **Where** (:mod:`resource_registry.cache.place`): never in the work tree. One SQLite
  file per fingerprint (WAL: concurrent runs see whole transactions); a damaged one is
  deleted, never trusted, and each row carries a CRC of its values.
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
from operator import itemgetter
from pathlib import Path
from typing import Any, Final

from resource_registry.base.findings import Finding, Severity
from resource_registry.cache.place import cache_dir, fingerprint
from resource_registry.check.catalog_rules import Checked, KeyTable
from resource_registry.check.content_rules import IN_THE_FUTURE
from resource_registry.check.file_result import FileResult, ResourceKey
from resource_registry.record import layout
from resource_registry.record.layout import Discovered

RACY_NS: Final = 2_000_000_000  # more than any file system's timestamp granularity
_KEPT_STORES: Final = 3  # stores of other fingerprints kept (other branches of the code)
_CORRUPT: Final = "cache was corrupt and has been rebuilt"
_DAMAGE: Final = ("SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_IOERR_SHORT_READ")
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS results (path TEXT, blob TEXT, day TEXT, dated INTEGER,
    findings BLOB, stable_id TEXT, id TEXT, url TEXT, normal_url TEXT, publication TEXT,
    lists BLOB, crc INTEGER, PRIMARY KEY (path, blob)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS views (view TEXT, path TEXT, signature TEXT, blob TEXT,
    PRIMARY KEY (view, path)) WITHOUT ROWID;
"""
_NO_LISTS: Final[tuple[tuple[str, ...], ...]] = ((), (), ())  # previous_urls, tags, cited_by
# A saved result as the queries give it (``?1``: today, or "" for any day): the path,
# the findings, the identity, the lists, the CRC, whether it holds today, and (from a
# view) the signature.
_RESULT: Final = (
    "r.findings, r.stable_id, r.id, r.url, r.normal_url, r.publication, r.lists, r.crc,"
    " (r.day IS NOT NULL AND (?1 = '' OR r.day = ?1 OR (r.dated = 0 AND r.day < ?1)))"
)
_Row = tuple[Any, ...]
_FINDINGS, _LISTS, _CRC, _HOLDS, _SIGNATURE = 1, 7, 8, 9, 10

# a checker: paths -> for each, the object id of the bytes it read and the result
Check = Callable[[Sequence[str]], list[tuple[str, FileResult]]]


def blob_id(data: bytes) -> str:
    """Git's object id of a file holding ``data``."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def results(
    root: Path, today: dt.date, discovered: Discovered, check: Check, notes: list[str]
) -> Checked:
    """Every file of ``discovered`` (listed with signatures): saved results where valid,
    else from ``check``; then the cache is brought up to date (a failure to save is
    noted; results stand)."""
    started = time.time_ns()
    view = _root_key(root)
    with _Store(root, notes) as store:
        recorded = store.view(view, discovered.signatures, today)
        stale = [path for path in discovered.resources if path not in recorded.rows]
        blobs = _hashed(root, stale) if store.has_results() else {}  # copied, touched, redone
        found = store.lookup(blobs, today)
        fresh = check([path for path in stale if path not in found])
        blobs.update((result.path, blob) for blob, result in fresh if blob)
        store.put(today, [(blob, result) for blob, result in fresh if blob])
        trusted_before = started - RACY_NS
        settled = {
            path: (discovered.signatures[path], blob)
            for path, blob in blobs.items()
            if max(map(int, discovered.signatures[path].split(":")[:2])) < trusted_before
        }
        racy = [path for path in blobs if path not in settled]
        store.record(view, settled, [*recorded.gone, *racy])
    return _checked(discovered.resources, [recorded.rows, found], [r for _, r in fresh])


def content_results(
    root: Path,
    today: dt.date,
    view: str,
    blobs: Mapping[str, str],
    check: Callable[[Sequence[tuple[str, str]]], list[FileResult]],
    notes: list[str],
) -> Checked:
    """Every file that ``blobs`` names (path -> object id of its content), as ``view``
    (``index`` or ``HEAD``) of the checkout at ``root`` lists them: saved results where
    valid, else from ``check([(path, blob), ...])``."""
    name = f"{view}:{_root_key(root)}"
    with _Store(root, notes) as store:
        recorded = store.view(name, blobs, today)
        stale = {path: blob for path, blob in blobs.items() if path not in recorded.rows}
        found = store.lookup(stale, today)
        missing = [(path, blob) for path, blob in stale.items() if path not in found]
        fresh = check(missing)
        store.put(today, [(blob, result) for (_, blob), result in zip(missing, fresh, strict=True)])
        store.record(name, {path: (blob, blob) for path, blob in stale.items()}, recorded.gone)
    return _checked(list(blobs), [recorded.rows, found], fresh)


def identities(
    root: Path, discovered: Discovered, read_keys: Callable[[Sequence[str]], list[FileResult]]
) -> KeyTable:
    """Every listed file's identity: saved where its content has a result of any day
    (identities do not depend on it), else from ``read_keys``. Saves nothing."""
    with _Store(root, []) as store:
        recorded = store.view(_root_key(root), discovered.signatures, None)
    unknown = [path for path in discovered.resources if path not in recorded.rows]
    return _checked(discovered.resources, [recorded.rows], read_keys(unknown)).table


class _View:
    """What a view records, against the current listing: the saved result of each path
    whose recorded signature is the current one, and the recorded paths now gone."""

    def __init__(self, rows: dict[str, _Row], gone: list[str]) -> None:
        self.rows, self.gone = rows, gone


class _Store:
    """The SQLite file of this fingerprint; opened on first use, each call one
    transaction. A damaged file is deleted (and noted); a failure to write is noted."""

    def __init__(self, root: Path, notes: list[str]) -> None:
        self._folder = cache_dir(root)
        self._path = self._folder / f"results-{fingerprint()[:16]}.sqlite"
        self._notes = notes
        self._db: sqlite3.Connection | None = None
        self._broken = False

    def __enter__(self) -> _Store:
        return self

    def __exit__(self, *_: object) -> None:
        if self._db is not None:  # the last connection out folds the log into the file
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    def view(self, view: str, signatures: Mapping[str, str], today: dt.date | None) -> _View:
        """The saved results of ``view``'s paths whose signature is unchanged, valid
        ``today`` (any day's, when None)."""
        query = (
            f"SELECT v.path, {_RESULT}, v.signature FROM views v LEFT JOIN results r"
            " ON r.path = v.path AND r.blob = v.blob WHERE v.view = ?2"
        )
        kept, gone = {}, []
        for row in self._read(query, (_day(today), view)):
            signature = signatures.get(row[0])
            if signature is None:
                gone.append(row[0])
            elif row[_HOLDS] and signature == row[_SIGNATURE]:
                kept[row[0]] = row
        self._verify(kept.values())
        return _View(kept, gone) if not self._broken else _View({}, [])

    def has_results(self) -> bool:
        return bool(self._read("SELECT 1 FROM results LIMIT 1", ()))

    def lookup(self, blobs: Mapping[str, str], today: dt.date) -> dict[str, _Row]:
        """The valid saved result of each (path, blob)."""
        db = self._open()
        if not blobs or db is None:
            return {}
        try:  # a join with a temporary table: one query, whatever the number
            db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (path TEXT, blob TEXT)")
            db.execute("DELETE FROM temp.wanted")
            wanted = [(path, blob) for path, blob in blobs.items() if _storable(path)]
            db.executemany("INSERT INTO temp.wanted VALUES (?, ?)", wanted)
        except sqlite3.DatabaseError as error:
            self._fail(error)
            return {}
        query = (
            f"SELECT w.path, {_RESULT}, NULL FROM temp.wanted w"
            " JOIN results r ON r.path = w.path AND r.blob = w.blob"
        )
        found = {row[0]: row for row in self._read(query, (_day(today),)) if row[_HOLDS]}
        self._verify(found.values())
        return found if not self._broken else {}

    def _verify(self, rows: Iterable[_Row]) -> None:
        """Damage that SQLite cannot see (a flipped bit in a value that is decoded here)
        fails the row's CRC."""
        if any(_crc(row[_FINDINGS], row[_LISTS]) != row[_CRC] for row in rows):
            self._fail(sqlite3.DatabaseError("a row's checksum is wrong"))

    def put(self, today: dt.date, fresh: Iterable[tuple[str, FileResult]]) -> None:
        rows = []
        for blob, result in fresh:
            if _storable(result.path):
                values = (today.isoformat(), *_encoded(result))
                rows.append((result.path, blob, *values, _crc(values[2], values[-1])))
        if rows:
            self._write("INSERT OR REPLACE INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    def record(self, view: str, seen: Mapping[str, tuple[str, str]], forget: list[str]) -> None:
        """Record the (signature, blob) of each path of ``seen`` in ``view``; forget the
        paths of ``forget``."""
        if seen:
            rows = [
                (view, path, signature, blob)
                for path, (signature, blob) in seen.items()
                if _storable(path)
            ]
            self._write("INSERT OR REPLACE INTO views VALUES (?, ?, ?, ?)", rows)
        if forget:
            gone = [(view, path) for path in forget if _storable(path)]
            self._write("DELETE FROM views WHERE view = ? AND path = ?", gone)

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
        if _is_damage(error):
            self._notes.append(_CORRUPT)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self._path}{suffix}").unlink(missing_ok=True)
        else:
            self._notes.append(f"cache not saved ({self._path}: {error}); results are unaffected")


def _is_damage(error: sqlite3.DatabaseError) -> bool:
    """A malformed or truncated file, or a row whose CRC is wrong (our own error)."""
    name = getattr(error, "sqlite_errorname", None)
    return name is None or name.startswith(_DAMAGE)


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


def _crc(findings: bytes | None, lists: bytes | None) -> int:
    """Of a row's marshalled values, which a damaged byte could turn into nonsense (a
    damaged path or blob, its primary key, matches no file; a damaged text is one
    wrong value in SQLite's own format)."""
    return zlib.crc32(lists or b"", zlib.crc32(findings or b""))


def _day(today: dt.date | None) -> str:
    return today.isoformat() if today is not None else ""


def _storable(path: str) -> bool:
    """Whether SQLite can hold the path (a file name that is not UTF-8 is checked
    afresh every run)."""
    try:
        path.encode()
    except UnicodeEncodeError:
        return False
    return True


def _encoded(result: FileResult) -> tuple[Any, ...]:
    """A result's columns: whether it depends on the day, its findings (marshalled,
    None if it has none), its identity, and its lists (marshalled, None if all are empty)."""
    findings = [
        (item.line, item.col, item.code, item.severity.value, item.message, item.hint)
        for item in result.findings
    ]
    dated = any(item.code == IN_THE_FUTURE for item in result.findings)
    key = result.key or ResourceKey(result.path, None, None, None, None, (), None, (), ())
    lists = (key.previous_urls, key.tags, key.cited_by)
    return (
        int(dated),
        marshal.dumps(findings) if findings else None,
        key.stable_id or "",
        key.id or "",
        key.url or "",
        key.normal_url or "",
        key.publication or "",
        marshal.dumps(lists) if any(lists) else None,
    )


def _checked(
    paths: Sequence[str], saved: Sequence[Mapping[str, _Row]], fresh: Sequence[FileResult]
) -> Checked:
    """The findings and identity table of ``paths`` (in that order) from their saved
    rows and ``fresh`` results."""
    by_path: dict[str, _Row] = {}
    for result in fresh:
        _, findings, *identity, lists = _encoded(result)
        by_path[result.path] = (result.path, findings, *identity, lists)
    for mapping in saved:
        by_path.update(mapping)
    rows = [by_path[path] for path in paths]
    found = [item for row in rows if row[_FINDINGS] for item in _findings(row[0], row[_FINDINGS])]
    if not rows:
        return Checked(found, KeyTable())
    columns = [list(map(itemgetter(index), rows)) for index in range(8)]
    paths, _, stable_ids, ids, urls, normal_urls, publications, lists = columns
    decoded = [marshal.loads(value) if value else _NO_LISTS for value in lists]
    previous, tags, cited_by = (list(column) for column in zip(*decoded, strict=True))
    return Checked(
        found,
        KeyTable(paths, stable_ids, ids, urls, normal_urls, publications, previous, tags, cited_by),
    )


def _findings(path: str, blob: bytes) -> list[Finding]:
    return [
        Finding(path, line, col, code, Severity(severity), message, hint)
        for line, col, code, severity, message, hint in marshal.loads(blob)
    ]


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
