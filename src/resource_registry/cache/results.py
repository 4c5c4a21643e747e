"""The cache's face: per-file results keyed by content, read back as the catalog's
columns. :func:`results` (the work tree's files), :func:`content_results` (files named
by their git object ids, as the index or a tree lists them; :func:`fresh_content_results`
the same without the cache) and :func:`place.registry_lock` are all the rest of the
package uses.

- **Keyed by content**: a result is saved under the file's path and the git object id
  of the bytes that were checked (:func:`blob_id`), whoever read them, so one result
  serves the work tree, the index, every branch and every worktree.
- **Which content a path has** comes from a view's snapshot (:mod:`.snapshot`): a
  work-tree file's recorded ``lstat`` (modification and change times in ns, size,
  inode, device; a change time cannot be set back), or the object id git's index or
  HEAD lists. Git's racy rule applies: a work-tree entry is kept only for a file whose
  times are older than the run's start by more than any timestamp granularity
  (:data:`RACY_NS`). Anything else is read and hashed. The files are listed by the folder walk of
  ``--no-cache`` (:func:`layout.discover`): both see the same files and strays.
- **Valid** while the fingerprint (:func:`place.fingerprint`) is the same and, for C002
  (a date in the future, the one rule that reads the clock), on the same day.
  Whole-catalog checks are never cached: they run over every current file's columns.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Final

from resource_registry.base.parallel import forked_parts, meanwhile, uncollected
from resource_registry.cache import snapshot
from resource_registry.cache.snapshot import Snapshot
from resource_registry.cache.store import Row, SavedRow, Store, encoded, row, saved_row
from resource_registry.check.file_result import FileResult
from resource_registry.record import layout
from resource_registry.record.layout import Discovered

__all__ = [  # the face
    "RACY_NS", "REWRITE_AFTER", "SAVE_APART", "SPLIT_FROM", "Check", "ContentCheck", "Snapshot",
    "blob_id", "content_results", "fresh_content_results", "results",
]  # fmt: skip
_VIEWS: Final = frozenset({"index", "HEAD"})
_UNSETTLED: Final = b"\0"  # before an entry, one no listing holds: the row is redone
RACY_NS: Final = 2_000_000_000  # more than any file system's timestamp granularity
# A snapshot is rewritten once it lacks this many entries: until then each run redoes
# them from the results table (a lookup each), which costs less than writing 100,000 rows.
REWRITE_AFTER: Final = 64
SPLIT_FROM: Final = 400  # files to check per forked part, at least (a fork costs more)
SAVE_APART: Final = 2000  # fresh results: fewer are saved here, more in a forked child
# a checker: paths -> for each, the object id of the bytes it read and the result
Check = Callable[[Sequence[str]], list[tuple[str, FileResult]]]
# a checker of git's content: (path, blob) pairs -> for each, the result
ContentCheck = Callable[[Sequence[tuple[str, str]]], list[FileResult]]


def blob_id(data: bytes) -> str:
    """Git's object id of a file holding ``data``."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@contextlib.contextmanager
def results(
    root: Path,
    today: dt.date,
    discovered: Discovered,
    check: Check,
    notes: list[str],
    jobs: int | None = None,
) -> Iterator[Snapshot]:
    """Every file of ``discovered`` (listed with signatures), rows in path order: the
    rows of the work tree's snapshot where the signature is unchanged, else saved
    results where valid, else from ``check`` (in ``jobs`` forked parts, by default one
    per core, when there are many). The fresh results are saved while the block runs (in
    a forked child when there are many) and the snapshot, when it lacked
    :data:`REWRITE_AFTER` entries, before it; the block's end waits for the saving. A
    failure to save is noted; results stand."""
    started, day = time.time_ns(), today.isoformat()
    with Store(root, notes) as store:
        with uncollected():  # bulk work, no cycles
            base = store.snapshot(_root_key(root))
            listing = _work_tree_listing(discovered)
            current, new, differ = snapshot.rebased(base, listing, day)
            paths = [_path_of(raw) for raw in new]
            blobs = _hashed(root, paths) if store.has_results() else {}  # copied, redone...
            found = store.lookup(blobs, today)
            store.close()  # no connection is forked: a child that saves opens its own
            fresh = _checked(check, [path for path in paths if path not in found], day, jobs)
        apart = len(fresh) >= SAVE_APART and not store.broken
        with meanwhile(partial(_put, store, notes, fresh), fork=apart) as put:
            with uncollected():
                trusted = partial(_trusted, discovered.signatures, started - RACY_NS)
                snapshot.extend(current, *_entries_and_rows(new, paths, found, fresh, trusted))
                if differ:
                    snapshot.in_order(current, len(paths))  # as lookups read it
                if base is None or differ >= REWRITE_AFTER:
                    store.save_snapshot(_root_key(root), current)
            yield current
        notes += put[0]


def _trusted(signatures: dict[str, str], before: int, path: str) -> bool:
    """Git's racy rule: a file's signature is trusted only if both its times are older
    than ``before`` (the run's start less :data:`RACY_NS`)."""
    return max(map(int, signatures[path].split(":")[:2])) < before


def _entries_and_rows(
    new: Sequence[bytes],
    paths: Sequence[str],
    found: dict[str, Row],
    fresh: Sequence[SavedRow],
    trusted: Callable[[str], bool],
) -> tuple[list[bytes], list[Row]]:
    """Each new entry and its row (saved, else from ``fresh``, in the same order): an
    entry is marked unsettled, for the next run to read again, unless its content was
    read and its signature is ``trusted``."""
    checked = iter(fresh)
    entries, rows = [], []
    for raw, path in zip(new, paths, strict=True):
        if path in found:
            rows.append(found[path])
            known = True
        else:
            saved = next(checked)
            rows.append(row(saved))
            known = bool(saved[1])
        entries.append(raw if known and trusted(path) else _UNSETTLED + raw)
    return entries, rows


def _put(store: Store, notes: list[str], fresh: Sequence[SavedRow]) -> list[str]:
    """Save ``fresh``; the notes this made, taken out of ``notes``: the caller adds them
    once, whichever process (this one or a forked child) made them."""
    before = len(notes)
    store.put(fresh)
    store.close()  # folds the log into the file
    return _taken(notes, before)


def _taken(notes: list[str], before: int) -> list[str]:
    added = notes[before:]
    del notes[before:]
    return added


def content_results(
    root: Path,
    today: dt.date,
    view: str,
    listing: Callable[[], Sequence[bytes]],
    check: ContentCheck,
    notes: list[str],
) -> Snapshot:
    """The results of the files of ``listing()`` (entries of ``git ls-files --stage``,
    asked for once the snapshot is read: a git may be listing them meanwhile), which
    ``view`` (``index`` or ``HEAD``) of the checkout at ``root`` lists: the rows of the
    view's snapshot where the entry is unchanged, else saved results where valid, else
    from ``check([(path, blob), ...])``. Either view's snapshot may be the start."""
    names = [f"{name}:{_root_key(root)}" for name in (view, *_VIEWS - {view})]
    day = today.isoformat()
    with Store(root, notes) as store, uncollected():  # bulk work, no cycles
        own = store.snapshot(names[0])
        base = own or store.snapshot(names[1])
        current, new, differ = snapshot.rebased(base, listing(), day)
        added = snapshot.resource_entries(current, new)
        blobs = {entry.path: entry.blob for _, entry in added}
        found = store.lookup(blobs, today)
        missing = [(path, blob) for path, blob in blobs.items() if path not in found]
        fresh = [
            saved_row(day, blob, result)
            for (_, blob), result in zip(missing, check(missing), strict=True)
        ]
        store.put(fresh)
        rows = found | {saved[0]: row(saved) for saved in fresh}
        snapshot.extend(current, [raw for raw, _ in added], [rows[e.path] for _, e in added])
        if own is None or differ >= REWRITE_AFTER:
            store.save_snapshot(names[0], current)
    return current


def fresh_content_results(
    listing: Sequence[bytes],
    today: dt.date,
    check: Callable[[Sequence[tuple[str, str]]], list[FileResult]],
) -> Snapshot:
    """:func:`content_results` without the cache: every resource entry checked."""
    with uncollected():  # bulk work, no cycles
        current, new, _ = snapshot.rebased(None, listing, today.isoformat())
        added = snapshot.resource_entries(current, new)
        fresh = check([(entry.path, entry.blob) for _, entry in added])
        snapshot.extend(current, [raw for raw, _ in added], [_row(result) for result in fresh])
    return current


def _checked(check: Check, paths: Sequence[str], day: str, jobs: int | None) -> list[SavedRow]:
    """Each file's check as the table saves it, in the order of ``paths``: in forked
    parts of :data:`SPLIT_FROM` files at least (a fork costs more than fewer), one per
    core or ``jobs``, each encoding its own rows."""
    saving = partial(_saved_rows, check, day)
    parts = min(jobs or os.cpu_count() or 1, len(paths) // SPLIT_FROM)
    if parts < 2:
        return saving(paths)
    return [saved for part in forked_parts(saving, paths, parts) for saved in part]


def _saved_rows(check: Check, day: str, paths: Sequence[str]) -> list[SavedRow]:
    return [saved_row(day, blob, result) for blob, result in check(paths)]


def _work_tree_listing(discovered: Discovered) -> list[bytes]:
    """One entry per file, in path order: its signature and path (``<signature>\\t<path>``).
    Path order costs a warm run about 0.03 s at 100,000 files (the lookups wander over
    memory) and spares a cold one a sort of every row (0.14 s)."""
    signatures = discovered.signatures
    return [
        f"{signatures[path]}\t{path}".encode(errors="surrogateescape")
        for path in discovered.resources
    ]


def _path_of(raw: bytes) -> str:
    return raw.partition(b"\t")[2].decode(errors="surrogateescape")


def _row(result: FileResult) -> Row:
    _, findings, *identity, lists = encoded(result)
    return (result.path, findings, *identity, lists)


def _hashed(root: Path, paths: Sequence[str]) -> dict[str, str]:
    """The object id of each file's bytes as the checker reads them (a file that cannot
    be read is left to the checker, which reports it)."""
    found = {}
    for path in paths:
        with contextlib.suppress(OSError):
            found[path] = blob_id(layout.read_capped(root / path))
    return found


def _root_key(root: Path) -> str:
    """The checkout's name among views: its path's bytes, which any path has (a root
    that is not UTF-8 would not be text SQLite can hold)."""
    return os.fsencode(root.resolve()).hex()
