"""The cache's SQLite file: result rows keyed by (path, blob); beside it, a snapshot file
per view (:mod:`.snapshot`). One store per fingerprint; a damaged one is deleted, never
trusted; each call is one transaction."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import marshal
import os
import sqlite3
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from resource_registry.cache.place import cache_dir, fingerprint
from resource_registry.cache.snapshot import Snapshot
from resource_registry.check.content_rules import IN_THE_FUTURE
from resource_registry.check.file_result import FileResult, ResourceKey

_KEPT_STORES: Final = 3  # stores of other fingerprints kept (other branches of the code)
_CORRUPT: Final = "cache was corrupt and has been rebuilt"
_DAMAGE: Final = ("SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_IOERR_SHORT_READ")
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS results (path TEXT, blob TEXT, day TEXT, dated INTEGER,
    findings BLOB, stable_id TEXT, id TEXT, url TEXT, normal_url TEXT, publication TEXT,
    lists BLOB, crc INTEGER, PRIMARY KEY (path, blob)) WITHOUT ROWID;
"""
# A saved result as the query gives it (``?1``: today): the path, the findings, the
# identity, the lists, the CRC, the day, whether the day matters, the blob, and whether
# it holds today. Only the first eight are a row to the rest of the cache.
_RESULT: Final = (
    "r.findings, r.stable_id, r.id, r.url, r.normal_url, r.publication, r.lists, r.crc,"
    " r.day, r.dated, r.blob,"
    " (r.day = ?1 OR (r.dated = 0 AND r.day < ?1))"
)
Row = tuple[Any, ...]
SavedRow = tuple[Any, ...]  # the table's columns, in order
FINDINGS, LISTS, CRC, DAY, DATED, BLOB, HOLDS = 1, 7, 8, 9, 10, 11, 12


class Store:
    """The SQLite file of this fingerprint; opened on first use, each call one
    transaction. A damaged file is deleted (and noted); a failure to write is noted."""

    def __init__(self, root: Path, notes: list[str]) -> None:
        self._folder = cache_dir(root)
        self._path = self._folder / f"results-{fingerprint()[:16]}.sqlite"
        self._notes = notes
        self._db: sqlite3.Connection | None = None
        self._broken = False

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def broken(self) -> bool:
        """Whether this run can no longer read or save anything (noted once)."""
        return self._broken

    def close(self) -> None:
        """Close the connection (the next call opens another)."""
        if self._db is not None:  # the last connection out folds the log into the file
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    def snapshot(self, view: str) -> Snapshot | None:
        """The snapshot saved for ``view``, if any (see :mod:`.snapshot`): a file beside
        the store, a CRC of the rest first."""
        if self._broken:
            return None
        try:
            data = self._snapshot_file(view).read_bytes()
        except OSError:
            return None
        try:
            if int.from_bytes(data[:4], "big") != zlib.crc32(memoryview(data)[4:]):
                raise ValueError("a snapshot's checksum is wrong")
            return Snapshot.loads(memoryview(data)[4:])  # not copied
        except (TypeError, ValueError, EOFError, IndexError):  # damage of any kind
            self._fail(sqlite3.DatabaseError("a snapshot is damaged"))
            return None

    def save_snapshot(self, view: str, snapshot: Snapshot) -> None:
        """Replace ``view``'s snapshot (atomically: a reader sees the old or the new).
        The results table is not opened: a forked child may be writing to it."""
        if self._broken:
            return
        data = snapshot.dumps()
        target = self._snapshot_file(view)
        partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
        try:
            self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            partial.write_bytes(zlib.crc32(data).to_bytes(4, "big") + data)
            partial.replace(target)
        except OSError as error:
            with contextlib.suppress(OSError):  # (no folder to hold it)
                partial.unlink(missing_ok=True)
            self._notes.append(f"cache not saved ({target}: {error.strerror})")
            self._broken = True

    def _snapshot_file(self, view: str) -> Path:
        name = hashlib.sha256(view.encode()).hexdigest()[:16]
        return self._path.with_name(f"{self._path.name}-{name}.snapshot")

    def has_results(self) -> bool:
        return bool(self._read("SELECT 1 FROM results LIMIT 1", ()))

    def lookup(self, blobs: Mapping[str, str], today: dt.date) -> dict[str, Row]:
        """The valid saved result of each (path, blob)."""
        db = self._open()
        if not blobs or db is None:
            return {}
        try:  # a join with a temporary table: one query, whatever the number
            db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (path TEXT, blob TEXT)")
            db.execute("DELETE FROM temp.wanted")
            wanted = [(path, blob) for path, blob in blobs.items() if storable(path)]
            db.executemany("INSERT INTO temp.wanted VALUES (?, ?)", wanted)
        except sqlite3.DatabaseError as error:
            self._fail(error)
            return {}
        query = (
            f"SELECT w.path, {_RESULT} FROM temp.wanted w"
            " JOIN results r ON r.path = w.path AND r.blob = w.blob"
        )
        found = {row[0]: row for row in self._read(query, (today.isoformat(),)) if row[HOLDS]}
        with contextlib.suppress(sqlite3.Error):
            db.commit()  # ends the temporary table's transaction: others may write meanwhile
        self._verify(found.values())
        return found if not self._broken else {}

    def _verify(self, rows: Iterable[Row]) -> None:
        """Damage that SQLite cannot see (a flipped bit in a value, or in its type)
        fails the row's CRC."""
        try:
            damaged = any(_crc(*_signed(row)) != row[CRC] for row in rows)
        except (TypeError, ValueError, UnicodeError):  # a value of the wrong type
            damaged = True
        if damaged:
            self._fail(sqlite3.DatabaseError("a row's checksum is wrong"))

    def put(self, saved: Sequence[SavedRow]) -> None:
        """Save each row of :func:`saved_row` whose file was read and whose path SQLite
        can hold. Rows in path order (the table's key order) go in three times faster
        than at random; sorting them here would cost as much in a forked child, whose
        every touch of a row copies its page."""
        kept = [row for row in saved if row[1] and storable(row[0])]
        if kept:
            self._write("INSERT OR REPLACE INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", kept)

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
            except OSError as error:
                self._broken = True
                self._notes.append(f"cache not saved ({self._folder}: {error.strerror})")
                return None
            except sqlite3.DatabaseError as error:
                self._fail(error)
                return None
            try:
                db.execute("PRAGMA journal_mode=WAL")
                # no fsync: a power cut may lose writes, which is harmless (every row is a
                # fact about its key); damage is noticed (SQLite's errors, the CRCs)
                db.execute("PRAGMA synchronous=OFF")
                db.execute("PRAGMA temp_store=MEMORY")  # the lookups' join table
                db.executescript(_SCHEMA)
            except sqlite3.DatabaseError as error:
                db.close()
                self._fail(error)
                return None
            self._db = db
            with contextlib.suppress(OSError):  # another run may be removing them too
                _remove_other_stores(self._folder, self._path)
        return self._db

    def _fail(self, error: sqlite3.DatabaseError) -> None:
        """A damaged file is removed (the next run rebuilds it); anything else (locked,
        read-only, disk full) only keeps this run from saving."""
        if self._db is not None:
            self._db.close()
        self._db, self._broken = None, True
        if _is_damage(error):
            self._notes.append(_CORRUPT)
            _remove_store(self._path)
        else:
            self._notes.append(f"cache not saved ({self._path}: {error}); results are unaffected")


def saved_row(day: str, blob: str, result: FileResult) -> SavedRow:
    """A result as the table holds it, under its path and ``blob`` (empty when the file
    could not be read), checked on ``day``, with its CRC; of marshal's types, so a forked
    checker can send it back. Its :func:`row` is what the rest of the cache reads."""
    dated, findings, *identity, lists = encoded(result)
    crc = _crc(result.path, blob, day, dated, findings, identity, lists)
    return (result.path, blob, day, dated, findings, *identity, lists, crc)


def row(saved: SavedRow) -> Row:
    """The path, findings, identity and lists of a saved row."""
    return (saved[0], *saved[4:11])


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
        _remove_store(path)


def _remove_store(path: Path) -> None:
    """A store file, its log and its snapshots."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    for snapshot in path.parent.glob(f"{path.name}-*.snapshot*"):
        snapshot.unlink(missing_ok=True)


def _crc(
    path: str,
    blob: str,
    day: str,
    dated: int,
    findings: bytes | None,
    identity: Sequence[str],
    lists: bytes | None,
) -> int:
    """Of every value of a result row, its type included (text must be text, ``dated``
    an integer, blobs bytes): a damaged one raises or gives another CRC."""
    text = "\x1f".join((path, blob, day, repr(dated), *identity)).encode(errors="surrogatepass")
    return zlib.crc32(lists or b"", zlib.crc32(findings or b"", zlib.crc32(text)))


def _signed(row: Row) -> tuple[Any, ...]:
    """The values of a queried row that its CRC covers, in :func:`_crc`'s order."""
    return (row[0], row[BLOB], row[DAY], row[DATED], row[FINDINGS], row[2:7], row[LISTS])


def storable(path: str) -> bool:
    """Whether SQLite can hold the path (a file name that is not UTF-8 is checked
    afresh every run)."""
    if type(path) is not str:
        return False
    try:
        path.encode()
    except UnicodeEncodeError:
        return False
    return True


def encoded(result: FileResult) -> tuple[Any, ...]:
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
