"""A view's results as one record: what a view (the work tree, the index, HEAD's tree)
held when it was last validated, brought up to date by exact differences.

A listing is one entry per file, whose text names the file's content: for git,
``git ls-files --stage`` entries (``<mode> <blob> 0\\t<path>``); for the work tree,
``<lstat signature>\\t<path>`` (:mod:`.results` says when a signature is trusted).
A snapshot holds the entries it was made from and, row by row for the resource files,
the saved result of each: the same rows the results table holds, kept as columns, so
that a run reads 100,000 of them in one ``marshal.loads`` instead of one query row
each. Against a new listing, an entry in both is the same content at the same path, so
its row stands; the others (and, on a new day, the rows whose result depends on the
day) are dropped, and the new entries' rows come from the results table or a fresh
check. Nothing is reused by proof.
"""

from __future__ import annotations

import bisect
import marshal
import operator
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from operator import itemgetter
from typing import Any, Final

from resource_registry.base.findings import Finding, Severity
from resource_registry.base.git import Entry, parse_entry
from resource_registry.base.parallel import uncollected
from resource_registry.check.catalog_rules import Checked, KeyTable
from resource_registry.check.content_rules import IN_THE_FUTURE
from resource_registry.record import layout

_FORMAT: Final = 1
_COLUMNS: Final = tuple(column.name for column in fields(KeyTable))
_FEW_ROWS: Final = 16
_NO_LISTS: Final[list[tuple[str, ...]]] = [(), (), ()]


@dataclass(slots=True)
class Snapshot:
    """The resource entries (row by row, with their identity table), the other
    entries, the findings of the rows that have any, and the day the rows hold for."""

    day: str
    entries: list[bytes] = field(default_factory=list)
    table: KeyTable = field(default_factory=KeyTable)
    findings: dict[str, bytes] = field(default_factory=dict)  # path -> marshalled findings
    dated: set[str] = field(default_factory=set)  # paths whose result holds for `day` only
    others: list[bytes] = field(default_factory=list)

    def dumps(self) -> bytes:
        saved = (self.entries, _columns(self.table), self.findings, sorted(self.dated))
        return marshal.dumps((_FORMAT, self.day, *saved, self.others))

    @classmethod
    def loads(cls, data: bytes | memoryview) -> Snapshot | None:
        """The snapshot ``data`` holds; None for another format (damage raises)."""
        with uncollected():
            loaded: Any = marshal.loads(data)
        if loaded[0] != _FORMAT:
            return None
        _, day, entries, columns, findings, dated, others = loaded
        table = KeyTable(**dict(zip(_COLUMNS, columns, strict=True)))
        if len({len(entries), *map(len, columns)}) != 1:
            raise ValueError("a snapshot's columns differ in length")
        return cls(day, entries, table, findings, set(dated), others)

    def checked(self) -> Checked:
        found = [item for path, blob in self.findings.items() for item in decoded(path, blob)]
        return Checked(found, self.table)

    def other_entries(self) -> list[Entry]:
        return [parse_entry(raw) for raw in self.others]

    def blob_of(self, paths: Iterable[str]) -> dict[str, str]:
        """The blob of each of ``paths`` that has a row."""
        wanted = set(paths)
        if not wanted:
            return {}
        rows = [row for row, path in enumerate(self.table.paths) if path in wanted]
        return {self.table.paths[row]: parse_entry(self.entries[row]).blob for row in rows}


def rebased(
    base: Snapshot | None, listing: Sequence[bytes], day: str
) -> tuple[Snapshot, list[bytes], int]:
    """``base`` brought to ``listing``: without the rows and other entries no longer
    listed (and, on another day, the rows whose result depends on the day); the listed
    entries it has no row or other entry for (in the listing's order, or, if few, in the
    entries' byte order: rows are put in path order after); and how many entries differ (0:
    none). A base from a later day (the clock went back) is not used at all. The set
    operations run in C: a listing may hold 100,000 entries."""
    if base is None or base.day > day:
        base = Snapshot(day)
    listed, held = set(listing), set(base.entries)
    redone = set()  # on a new day, the rows whose result depends on the day are redone
    if base.dated and base.day != day:
        paths = base.table.paths
        redone = {base.entries[row] for row, path in enumerate(paths) if path in base.dated}
        redone &= listed  # an entry no longer listed is only dropped
    gone = _rows_of(base.entries, (held - listed) | redone)
    others = [raw for raw in base.others if raw in listed]
    wanted = (listed - held - set(base.others)) | redone
    # a listing in path order gives the rows in order; a few are sorted as they are
    new = sorted(wanted) if len(wanted) <= _FEW_ROWS else [raw for raw in listing if raw in wanted]
    differ = len(gone) + len(new) + len(base.others) - len(others) + (base.day != day)
    snapshot = Snapshot(day, base.entries, base.table, base.findings, base.dated, others)
    _drop(snapshot, gone)
    return snapshot, new, differ


def _rows_of(entries: list[bytes], wanted: set[bytes]) -> list[int]:
    """The rows of ``wanted`` (each entry is held once), last first."""
    if len(wanted) <= _FEW_ROWS:  # a scan in C each costs less than indexing every entry
        return sorted(map(entries.index, wanted), reverse=True)
    rows = dict(zip(entries, range(len(entries)), strict=True))
    return sorted(map(rows.__getitem__, wanted), reverse=True)


def resource_entries(snapshot: Snapshot, new: Sequence[bytes]) -> list[tuple[bytes, Entry]]:
    """The git entries of ``new`` that are resource files; the others join the
    snapshot's other entries."""
    added = []
    for raw in new:
        entry = parse_entry(raw)
        if layout.is_resource_entry(entry.mode, entry.path):
            added.append((raw, entry))
        else:
            snapshot.others.append(raw)
    return added


def extend(snapshot: Snapshot, entries: Sequence[bytes], rows: Sequence[Sequence[Any]]) -> None:
    """Add the rows of saved or fresh results (``store.Row``: path, findings, identity,
    lists), one for each of ``entries``, column by column."""
    if len(entries) != len(rows):
        raise ValueError("each row needs its entry")
    if not rows:
        return
    paths, findings, *identity, lists = zip(*(row[:8] for row in rows), strict=True)
    # a name many rows hold is one object, which marshal writes once and then refers to
    unpacked = [
        [tuple(map(sys.intern, names)) for names in marshal.loads(item)] if item else _NO_LISTS
        for item in lists
    ]
    identity[-1] = tuple(map(sys.intern, identity[-1]))  # the publications
    values = (paths, *identity, *zip(*unpacked, strict=True))
    for name, column in zip(_COLUMNS, values, strict=True):
        getattr(snapshot.table, name).extend(column)
    snapshot.entries.extend(entries)
    for path, found in zip(paths, findings, strict=True):
        if found:
            snapshot.findings[path] = found
            if any(item[2] == IN_THE_FUTURE for item in marshal.loads(found)):
                snapshot.dated.add(path)


def in_order(snapshot: Snapshot, appended: int) -> None:
    """Put the rows in the order of their paths, as an uncached run lists them. A few
    rows appended to rows in order (as a rebase leaves them) are put in their places;
    anything else is sorted."""
    paths = snapshot.table.paths
    kept = len(paths) - appended
    if appended <= _FEW_ROWS and all(map(operator.le, paths[:kept], paths[1:kept])):
        columns = [snapshot.entries, *_columns(snapshot.table)]
        appended_rows = list(zip(*(values[kept:] for values in columns), strict=True))
        for values in columns:
            del values[kept:]
        for row in appended_rows:  # row[1]: its path
            at = bisect.bisect_left(paths, row[1])
            for values, value in zip(columns, row, strict=True):
                values.insert(at, value)
        return
    order = sorted(range(len(paths)), key=paths.__getitem__)  # in C; mostly in order already
    if order == list(range(len(paths))):
        return
    pick = itemgetter(*order)  # two rows at least: a tuple of rows, column by column
    snapshot.entries = list(pick(snapshot.entries))
    for name in _COLUMNS:
        setattr(snapshot.table, name, list(pick(getattr(snapshot.table, name))))


def _drop(snapshot: Snapshot, rows: Sequence[int]) -> None:
    """Remove ``rows`` (last first): a few keep the other rows' order; of many, each
    takes the last row in its place, and the rows are sorted after."""
    columns: list[list[Any]] = [snapshot.entries, *_columns(snapshot.table)]
    in_place = len(rows) <= _FEW_ROWS
    for row in rows:
        path = snapshot.table.paths[row]
        for values in columns:
            if in_place:
                del values[row]
            else:
                values[row] = values[-1]
                values.pop()
        snapshot.findings.pop(path, None)
        snapshot.dated.discard(path)


def _columns(table: KeyTable) -> list[list[Any]]:
    return [getattr(table, name) for name in _COLUMNS]


def decoded(path: str, blob: bytes) -> list[Finding]:
    """The findings of ``path`` that a row holds (marshalled)."""
    return [
        Finding(path, line, col, code, Severity(severity), message, hint)
        for line, col, code, severity, message, hint in marshal.loads(blob)
    ]
