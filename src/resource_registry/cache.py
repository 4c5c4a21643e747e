"""The incremental cache: per-file results of files whose content has not changed.

It lives outside the work tree (:func:`cachefile.cache_dir`). An
entry is reused only when the file's signature is what it was (its content hash from
git's index, or its size, modification time (ns) and inode: see
:mod:`resource_registry.worktree`), the code is the same, and the cache file's
checksums are right; anything else is rebuilt, never trusted. The day of the run matters
only to files that had a date in the future (:func:`_day_dependent`): on a later day
they are checked again. Files modified less
than two seconds before a run started are never cached, so a write that lands within
one timestamp tick of the scan, or between git's look and ours, cannot hide behind an
old entry. Writes are atomic (temporary file and rename), so concurrent runs see a
whole cache or none: the last writer wins.

The cache is stored as columns (one list per field, each in its own checksummed section
of :mod:`resource_registry.cachefile`), which loads in a few large pieces rather than one
object per file. Values repeated across files (tags, pages, publications) are interned
by :class:`~resource_registry.catalog.KeyTable`, so marshal stores and loads each once.

Two ways to use it:

- The whole run: list every file with its signature, re-check those whose signature
  changed, save. At 100,000 files, listing, loading and saving cost about a second.
- The warm run, in a git checkout: the saved results are *anchored* to the commit tree
  they were taken from: every file not in the saved ``unanchored`` list (staged,
  modified, untracked, racy...) had exactly its content in that tree. Git names the
  tracked paths that may now differ from it (:meth:`worktree.Pending.changes`, in C,
  about 0.2 s at 100,000 files) and folders whose modification time moved reveal new
  files (:func:`worktree.new_paths`); those paths and the unanchored ones are checked
  again, and every other file's saved result stands. Nothing is listed, loaded or
  saved per file; the identity columns are loaded only if the whole-catalog checks
  must run again. After a commit, a warm run moves the anchor to the new commit's tree
  through a small overlay in the journal (see "the journal" below). When too many
  paths changed (``FAST_LIMIT``), the whole run takes over and anchors the cache file
  itself to the current commit.

Whole-catalog results are cached too (:func:`cached_catalog`), under a digest of every
row's identity: an edit that changes no identity reuses them, and files only added
extend them when they provably collide with no other
(:func:`~resource_registry.catalog.problems_of_additions`).
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import functools
import gc
import hashlib
import marshal
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from resource_registry import cachefile, layout, worktree
from resource_registry.cachefile import CacheFile, CorruptCacheError, cache_dir
from resource_registry.catalog import (
    IDENTITY_COLUMNS,
    PROBE_COLUMNS,
    Identities,
    Identity,
    Issue,
    KeyTable,
    Probe,
    identity,
    probe_values,
)
from resource_registry.findings import Finding, Severity
from resource_registry.layout import Anchor, Discovered
from resource_registry.records import IN_THE_FUTURE, FileResult, ResourceKey

__all__ = ["CACHE_FILE", "CATALOG_FILE", "CachedRun", "Growth", "cached_catalog"]

CACHE_FILE: Final = cachefile.RESULTS_FILE
CATALOG_FILE: Final = cachefile.CATALOG_FILE
JOURNAL_FILE: Final = cachefile.JOURNAL_FILE
_RACY_NS: Final = 2_000_000_000
_STRING_COLUMNS: Final = ("stable_ids", "ids", "urls", "normal_urls", "publications")
_TUPLE_COLUMNS: Final = ("previous_urls", "tags", "cited_by")
_VALUE_COLUMNS: Final = (*_STRING_COLUMNS, *_TUPLE_COLUMNS)
# A warm run re-checks at most this many files (1-2 ms each); beyond, the whole run is
# cheaper and re-anchors the cache.
FAST_LIMIT: Final = 200
_DIGEST_SIZE: Final = 16
_CORRUPT_NOTE: Final = "cache was corrupt and has been rebuilt"
_NO_ANCHOR: Final = Anchor("", frozenset(), {})  # results not taken from a git checkout

_EncodedFinding = tuple[int, int, str, str, str, str | None]


@dataclass(frozen=True, slots=True)
class Growth:
    """How a warm run's identity table differs from the one saved in the cache file
    (``saved_digest``): the identity digest of each path whose identity differs (empty
    where the file is gone), with the current results of those present."""

    saved_digest: str
    delta: dict[str, bytes]
    results: dict[str, FileResult]
    is_saved_row: Callable[[str], bool]

    def added_since(
        self, earlier: Mapping[str, bytes]
    ) -> tuple[KeyTable, dict[str, set[str]]] | None:
        """If this table differs from an earlier one (given by its own ``delta``) by
        added rows alone: those rows, and the values of the rows the earlier table held
        beyond the saved ones (for a probe of the saved table, which does not have
        them). None when rows changed or went since."""
        added = []
        for path in self.delta.keys() | earlier.keys():
            if self.delta.get(path) == earlier.get(path):
                continue
            if self._present(path, earlier) or not self._present(path, self.delta):
                return None  # changed or gone since
            if path not in self.results:
                return None  # a saved row come back: its values are not at hand
            added.append(self.results[path])
        held: dict[str, set[str]] = {name: set() for name in PROBE_COLUMNS}
        for path, digest in earlier.items():
            if digest:  # unchanged since (else returned above): its result is current
                for name, values in probe_values(self.results[path].key).items():
                    held[name] |= values
        return KeyTable.from_results(added), held

    def _present(self, path: str, delta: Mapping[str, bytes]) -> bool:
        return bool(delta[path]) if path in delta else self.is_saved_row(path)


class CachedRun:
    """Everything a validation needs from its per-file results: their findings, how
    many resource files and which strays there are, and the identity table (built when
    first asked for: a warm run rarely needs it). Files that did not parse have a row of
    empty values in the table, which no catalog check matches."""

    def __init__(
        self,
        findings: list[Finding],
        files: int,
        strays: list[str],
        table: KeyTable | Callable[[], KeyTable],
        *,
        identities: Callable[[], Identities] | None = None,
        probe: Callable[[], Probe] | None = None,
        notes: list[str] | None = None,
        table_digest: str | None = None,
        growth: Growth | None = None,
    ) -> None:
        self.findings = findings
        self.files = files
        self.strays = strays
        self.notes = notes if notes is not None else []
        # identifies the table's rows for :func:`cached_catalog`; None when unknown
        self.table_digest = table_digest
        self.growth = growth  # from a warm run whose identities changed
        self._table = table
        self._identities = identities
        self._probe = probe

    @property
    def table(self) -> KeyTable:
        if not isinstance(self._table, KeyTable):
            self._table = self._table()
        return self._table

    @property
    def identities(self) -> Identities:
        """What lookups need of the table, without loading the rest when it can."""
        if isinstance(self._table, KeyTable) or self._identities is None:
            return Identities.of(self.table)
        return self._identities()

    @property
    def probe(self) -> Probe:
        """Rules values out of the identity columns without loading them, when it can."""
        if isinstance(self._table, KeyTable) or self._probe is None:
            return Probe.of(self.table)
        return self._probe()


@dataclass(slots=True)
class _Stored:
    """Saved (or about to be saved) per-file results, for the whole run."""

    table: KeyTable
    signatures: list[str]
    findings: dict[str, tuple[_EncodedFinding, ...]]
    digests: bytearray  # _DIGEST_SIZE bytes per row: a digest of the row's identity
    strays: list[str] = field(default_factory=list)
    anchor: Anchor = field(default_factory=lambda: _NO_ANCHOR)
    # the marshalled form of each column as read, dropped when the column changes
    unchanged_blobs: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Run:
    """One run's settings: where, which day, how to check files, whether to save."""

    root: Path
    today: dt.date
    check: Callable[[Sequence[str]], list[FileResult]]
    save: bool
    preload: Sequence[str]  # columns a warm run loads while git works: they will be needed
    started_ns: int = field(default_factory=time.time_ns)
    notes: list[str] = field(default_factory=list)


def run_with_cache(
    root: Path,
    today: dt.date,
    pending: worktree.Pending,
    check: Callable[[Sequence[str]], list[FileResult]],
    *,
    save: bool = True,
    preload: Sequence[str] = (),
) -> CachedRun:
    """Per-file results for every resource file: cached where the file is unchanged,
    otherwise from ``check(paths) -> list[FileResult]``. ``pending`` is the listing git
    started (changes since the cache's anchor, or every file). Unless ``save`` is false
    (commands that only look things up leave that to the next validation), the whole
    run brings the cache up to date and a warm run its journal. ``preload`` names the
    columns the caller will ask for (:attr:`CachedRun.identities`, say): a warm run
    loads them while it waits for git."""
    run = _Run(root, today, check, save, preload)
    base = _open(run)
    warm = _warm_run(run, base, pending) if base is not None else None
    if warm is not None:
        return warm
    stored = _read_all(base, run.notes) if base is not None else None
    if stored is not None and base is not None and _saved_before(base.meta, run.today):
        dated = _day_dependent(stored.findings)
        for row, path in enumerate(stored.table.paths):
            if path in dated:
                stored.signatures[row] = ""  # matches no file: checked again
    return _whole_run(run, stored, pending.result())


def _open(run: _Run) -> CacheFile | None:
    """The saved results, if this code saved them today or on an earlier day (see
    :func:`_day_dependent`) and they are not damaged."""
    try:
        base = cachefile.read(cache_dir(run.root) / CACHE_FILE)
    except CorruptCacheError:
        run.notes.append(_CORRUPT_NOTE)
        return None
    if base is None or base.meta.get("fingerprint") != _fingerprint():
        return None
    return base if str(base.meta.get("day")) <= run.today.isoformat() else None


def _saved_before(meta: Mapping[str, object], today: dt.date) -> bool:
    return meta.get("day") != today.isoformat()


def _day_dependent(findings: Mapping[str, Iterable[_EncodedFinding]]) -> set[str]:
    """The files whose results may differ on a later day than the one they were taken
    on: those with a date in the future then. Nothing else compares with the day, and a
    date that was not in the future never will be, so every other result still holds."""
    return {path for path, found in findings.items() if _depends_on_day(found)}


def _depends_on_day(findings: Iterable[_EncodedFinding]) -> bool:
    return any(code == IN_THE_FUTURE for _, _, code, *_ in findings)


def _warm_run(run: _Run, base: CacheFile, pending: worktree.Pending) -> CachedRun | None:
    """Results from the anchored cache (and the journal's overlay) and a re-check of the
    paths git says may differ from the anchor (or their results in the journal, if
    unchanged since); None when this cannot be done (the whole run then takes over)."""
    journal = _Journal.read(run, base)
    try:  # all that can be done while git is still comparing files with the anchor
        anchor = journal.overlay.anchor if journal.overlay else _saved_anchor(base)
        if not anchor.tree or not pending.changes_only or pending.anchor != anchor.tree:
            return None
        saved = _Saved(base, journal.overlay)
        scanned: dict[str, int] = {}
        added = worktree.new_paths(run.root, anchor.folders, saved.knows, scanned)
        digests = base.blob("digests")
        saved_findings = saved.findings()
        with _collector_paused():
            loaded = {name: base.load(name) for name in run.preload}
    except CorruptCacheError:
        run.notes.append(_CORRUPT_NOTE)
        return None
    changed = pending.changes()
    if changed is None:
        return None
    candidates = changed | anchor.unanchored | added | saved.taken_before(run.today)
    if len(candidates) > FAST_LIMIT:
        return None
    classified = worktree.classify(run.root, candidates)
    if classified is None:  # a nested repository: the whole listing decides
        return None
    resources, strays = classified
    fresh = journal.results(resources)
    checked = run.check(sorted(resources.keys() - fresh))
    fresh.update((result.path, result) for result in checked)
    now = _Now(candidates, resources, fresh, saved.strays.difference(candidates).union(strays))
    if run.save:
        moved = _moved(run, anchor, journal.overlay, now, added, scanned)
        if checked or moved is not None:
            journal.save(run, base, now, moved or journal.overlay)
    return _warm_result(run, base, saved, now, saved_findings, digests, loaded)


@dataclass(frozen=True, slots=True)
class _Now:
    """What a warm run found: the paths it looked at (``candidates``), the resource files
    among them with their stat signatures, their results, and every stray."""

    candidates: set[str]
    resources: dict[str, str]
    fresh: dict[str, FileResult]
    strays: set[str]


class _Saved:
    """The saved per-file results as a warm run sees them: the cache file's rows, with
    the journal's overlay (the rows a later anchor changed) laid over them."""

    def __init__(self, base: CacheFile, overlay: _Overlay | None) -> None:
        self.paths: list[str] = base.load("paths")
        self.overlay_rows = overlay.rows if overlay else {}
        self.strays: set[str] = set(overlay.strays if overlay else base.load("strays"))
        self._base = base
        self._base_findings: dict[str, tuple[_EncodedFinding, ...]] = base.load("findings")

    def knows(self, path: str) -> bool:
        """Whether ``path`` is a resource file or a stray of the saved results."""
        if path in self.strays:
            return True
        if path in self.overlay_rows:
            return self.overlay_rows[path] is not None
        return _row_in(self.paths, path) >= 0

    def findings(self) -> dict[str, tuple[_EncodedFinding, ...]]:
        found = self._base_findings.copy()
        for path, row in self.overlay_rows.items():
            found.pop(path, None)
            if row is not None and row[1]:
                found[path] = row[1]
        return found

    def taken_before(self, today: dt.date) -> set[str]:
        """The files whose saved result was taken on an earlier day and may differ today
        (see :func:`_day_dependent`)."""
        day = today.isoformat()
        dated = {
            path
            for path, row in self.overlay_rows.items()
            if row is not None and row[2] < day and _depends_on_day(row[1])
        }
        if _saved_before(self._base.meta, today):
            dated |= _day_dependent(self._base_findings).difference(self.overlay_rows)
        return dated

    def overlay_results(self) -> dict[str, FileResult]:
        """The overlay's rows that hold a file, as results."""
        return {
            path: _result(path, row[0], row[1])
            for path, row in self.overlay_rows.items()
            if row is not None
        }


def _warm_result(
    run: _Run,
    base: CacheFile,
    saved: _Saved,
    now: _Now,
    saved_findings: dict[str, tuple[_EncodedFinding, ...]],
    digests: bytes,
    loaded: dict[str, list[Any]],
) -> CachedRun:
    """The cache file's results with the overlay's rows and the re-checked files laid
    over them."""
    paths = saved.paths
    overlaid = saved.overlay_results()
    fresh = {path: overlaid[path] for path in overlaid.keys() - now.candidates} | now.fresh
    touched = now.candidates | saved.overlay_rows.keys()
    rows = {path: _row_in(paths, path) for path in touched}
    gone = {path for path, row in rows.items() if row >= 0 and path not in fresh}
    new = {path for path in fresh if rows[path] < 0}
    findings = {path: found for path, found in saved_findings.items() if path not in touched}
    findings.update(
        (path, tuple(map(_encode, result.findings)))
        for path, result in fresh.items()
        if result.findings
    )
    delta = _identity_changes(rows, digests, fresh)
    digest, growth = str(base.meta["table"]), None
    if delta:  # an identity changed: a digest of the saved rows and of what replaced them
        changed = dict(delta)
        present = {path: fresh[path] for path in changed if path in fresh}
        growth = Growth(digest, changed, present, lambda path: _row_in(paths, path) >= 0)
        digest = hashlib.sha256(digest.encode() + repr(delta).encode()).hexdigest()

    def columns(names: Sequence[str]) -> dict[str, list[Any]]:
        try:
            return _patched_columns(base, names, paths, gone, fresh, loaded)
        except CorruptCacheError:  # too late for the whole run: check every file again
            run.notes.append(_CORRUPT_NOTE)
            with contextlib.suppress(OSError):
                (cache_dir(run.root) / CACHE_FILE).unlink()  # so that the next run rebuilds it
            table = KeyTable.from_results(run.check(sorted(set(paths) - gone | fresh.keys())))
            return {name: getattr(table, name) for name in ("paths", *names)}

    def probe() -> Probe:
        # the saved rows of changed files may give a false "maybe": only ever a look more
        values: dict[str, set[str]] = {name: set() for name in PROBE_COLUMNS}
        for result in fresh.values():
            for name, found in probe_values(result.key).items():
                values[name] |= found
        try:
            return Probe.decoded(base.blob("probe"), values)
        except CorruptCacheError:
            return Probe.of(KeyTable(**columns(_VALUE_COLUMNS)))

    return CachedRun(
        _decode_all(findings),
        len(paths) - len(gone) + len(new),
        sorted(now.strays),
        lambda: KeyTable(**columns(_VALUE_COLUMNS)),
        identities=lambda: Identities(**columns(IDENTITY_COLUMNS)),
        probe=probe,
        notes=run.notes,
        table_digest=digest,
        growth=growth,
    )


def _saved_anchor(base: CacheFile) -> Anchor:
    tree = str(base.meta.get("anchor") or "")
    if not tree:
        return _NO_ANCHOR
    return Anchor(tree, frozenset(base.load("unanchored")), base.load("folders"))


# --- the journal -----------------------------------------------------------------------
#
# Warm runs leave the cache file (tens of megabytes) as it is; what they learn goes to a
# small journal instead:
#
# - the results of the files they checked, by stat signature, so that a change in
#   progress is not checked again on every run;
# - an *overlay* that moves the saved results onto a later anchor: the tree of the new
#   HEAD after a commit, with the rows that differ from the cache file's, and the times
#   of folders looked into since. Without it, every path committed since the last whole
#   run, and every folder a file was added to, would be looked at by every warm run.

# A journal entry: the file's stat signature, its identity and its findings.
_JournalEntry = tuple[str, tuple[object, ...] | None, tuple[_EncodedFinding, ...]]
# An overlay row: the identity and findings of a file and the day they were taken on,
# or None where the file is gone.
_OverlayRow = tuple[tuple[object, ...] | None, tuple[_EncodedFinding, ...], str] | None
# Past this many overlay rows, the anchor stays until the next whole run rewrites the
# cache file (warm runs lay every row over the saved ones).
_OVERLAY_LIMIT: Final = 2000


@dataclass(frozen=True, slots=True)
class _Overlay:
    anchor: Anchor
    rows: dict[str, _OverlayRow]
    strays: list[str]

    def encoded(self) -> bytes:
        unanchored, folders = sorted(self.anchor.unanchored), self.anchor.folders
        return marshal.dumps((unanchored, folders, self.rows, self.strays))

    @classmethod
    def decoded(cls, tree: str, parts: tuple[Any, ...]) -> _Overlay:
        unanchored, folders, rows, strays = parts
        return cls(Anchor(tree, frozenset(unanchored), folders), rows, strays)


@dataclass(frozen=True, slots=True)
class _Journal:
    meta: dict[str, Any]
    entries: dict[str, _JournalEntry]
    overlay: _Overlay | None
    stale: set[str]  # entries whose result may differ today (see _day_dependent)

    @classmethod
    def read(cls, run: _Run, base: CacheFile) -> _Journal:
        """The journal, if this code wrote it on this day or an earlier one; its overlay
        only if it was laid over this very cache file. A damaged one is ignored."""
        try:
            journal = cachefile.read(cache_dir(run.root) / JOURNAL_FILE)
            if journal is None or journal.meta.get("fingerprint") != _fingerprint():
                return _NO_JOURNAL
            if str(journal.meta.get("day")) > run.today.isoformat():
                return _NO_JOURNAL
            entries: dict[str, _JournalEntry] = journal.load("entries")
            overlay = None
            laid_over = journal.meta.get("base")
            if journal.meta.get("tree") and laid_over and laid_over == base.meta.get("generation"):
                overlay = _Overlay.decoded(journal.meta["tree"], journal.load("overlay"))
        except (CorruptCacheError, KeyError, TypeError, ValueError):
            return _NO_JOURNAL
        stale = set()
        if _saved_before(journal.meta, run.today):
            stale = _day_dependent({path: entry[2] for path, entry in entries.items()})
        return cls(journal.meta, entries, overlay, stale)

    def results(self, resources: Mapping[str, str]) -> dict[str, FileResult]:
        """Results for the files (path: stat signature) the journal holds unchanged."""
        results = {}
        for path, signature in resources.items():
            entry = self.entries.get(path)
            if entry is not None and entry[0] == signature and path not in self.stale:
                results[path] = _result(path, entry[1], entry[2])
        return results

    @staticmethod
    def save(run: _Run, base: CacheFile, now: _Now, overlay: _Overlay | None) -> None:
        """Keep the results of the files checked (not those modified within the racy
        window: they are checked again next time), and the overlay. A failure only
        costs the next run some work."""
        entries: dict[str, _JournalEntry] = {
            path: (signature, *_encoded(result))
            for path, signature in now.resources.items()
            if (result := now.fresh[path]) and not _racy(run, path, signature)
        }
        meta = {"fingerprint": _fingerprint(), "day": run.today.isoformat()}
        sections = {"entries": marshal.dumps(entries)}
        if overlay is not None and base.meta.get("generation"):
            meta |= {"base": base.meta["generation"], "tree": overlay.anchor.tree}
            sections["overlay"] = overlay.encoded()
        with contextlib.suppress(OSError):
            cachefile.write(cache_dir(run.root) / JOURNAL_FILE, meta, sections)


_NO_JOURNAL: Final = _Journal({}, {}, None, set())


def _moved(
    run: _Run,
    anchor: Anchor,
    overlay: _Overlay | None,
    now: _Now,
    added: set[str],
    scanned: dict[str, int],
) -> _Overlay | None:
    """The overlay that anchors this run's results to the tree of HEAD and to the folder
    times it saw; None when the anchor stays (nothing moved, or it cannot be moved)."""
    trusted_before = run.started_ns - _RACY_NS
    folders = anchor.folders | {
        folder: modified if modified < trusted_before else -1
        for folder, modified in scanned.items()
    }
    rows = dict(overlay.rows) if overlay else {}
    head = worktree.head_changes(run.root, anchor.tree, now.candidates)
    if head is None or (head.tree == anchor.tree and folders == anchor.folders):
        return None
    if head.tree == anchor.tree:  # only folder times: the files added stay unanchored
        moved = Anchor(anchor.tree, anchor.unanchored | added, folders)
        return _Overlay(moved, rows, sorted(now.strays))
    if len(rows) + len(now.candidates) > _OVERLAY_LIMIT:
        return None
    # a path committed since but not checked by this run holds its old result
    unanchored = head.differing | (head.committed - now.candidates)
    unanchored |= {
        path for path, signature in now.resources.items() if _changed_since(run, path, signature)
    }
    for path in now.candidates - unanchored:
        result = now.fresh.get(path)
        rows[path] = _row(result, run.today) if result is not None else None
    return _Overlay(Anchor(head.tree, frozenset(unanchored), folders), rows, sorted(now.strays))


def _changed_since(run: _Run, path: str, signature: str) -> bool:
    """Whether the file may not hold what was checked: it was modified within the racy
    window, or since it was looked at."""
    try:
        current = layout.stat_signature(os.lstat(run.root / path))
    except OSError:
        return True
    return current != signature or _racy(run, path, signature)


def _encoded(result: FileResult) -> tuple[tuple[object, ...] | None, tuple[_EncodedFinding, ...]]:
    key = tuple(result.key) if result.key is not None else None
    return key, tuple(map(_encode, result.findings))


def _row(
    result: FileResult, today: dt.date
) -> tuple[tuple[object, ...] | None, tuple[_EncodedFinding, ...], str]:
    return (*_encoded(result), today.isoformat())


def _result(
    path: str, key: tuple[object, ...] | None, findings: Iterable[_EncodedFinding]
) -> FileResult:
    return FileResult(
        path, tuple(_decode(path, findings)), ResourceKey._make(key) if key is not None else None
    )


def _identity_changes(
    rows: Mapping[str, int], digests: bytes, fresh: Mapping[str, FileResult]
) -> list[tuple[str, bytes]]:
    """The paths whose identity is not the saved one (or that came or went), each with
    the digest of its new identity (empty if gone), sorted."""
    changes = []
    for path, row in rows.items():
        old = digests[row * _DIGEST_SIZE : (row + 1) * _DIGEST_SIZE] if row >= 0 else b""
        new = _digest(identity(fresh[path].key)) if path in fresh else b""
        if old != new:
            changes.append((path, new))
    return sorted(changes)


def _row_in(paths: Sequence[str], path: str) -> int:
    """The row of ``path`` in the sorted ``paths``, -1 if absent."""
    row = bisect.bisect_left(paths, path)
    return row if row < len(paths) and paths[row] == path else -1


def _patched_columns(
    base: CacheFile,
    names: Sequence[str],
    paths: list[str],
    gone: set[str],
    fresh: Mapping[str, FileResult],
    loaded: dict[str, list[Any]],
) -> dict[str, list[Any]]:
    """Saved columns (``paths`` and ``names``; those in ``loaded`` already are) with the
    re-checked files' rows replaced, added or removed: a few rows, so in place rather
    than rebuilt."""
    columns: dict[str, list[Any]] = {"paths": list(paths)}
    with _collector_paused():
        columns.update(
            (name, loaded[name] if name in loaded else base.load(name)) for name in names
        )
    position = {name: _VALUE_COLUMNS.index(name) for name in names}
    for path in gone:
        row = _row_in(columns["paths"], path)
        for column in columns.values():
            del column[row]
    for path, result in fresh.items():
        values = identity(result.key)
        row = _row_in(columns["paths"], path)
        if row < 0:
            row = bisect.bisect_left(columns["paths"], path)
            columns["paths"].insert(row, path)
            for name in names:
                columns[name].insert(row, values[position[name]])
        else:
            for name in names:
                columns[name][row] = values[position[name]]
    return columns


def _whole_run(run: _Run, stored: _Stored | None, discovered: Discovered) -> CachedRun:
    """List every file, re-check those whose signature changed, save the cache."""
    paths, signatures = discovered.resources, discovered.signatures
    current = [signatures[path] for path in paths]
    if stored is not None and stored.table.paths == list(paths):  # the common case
        pairs = zip(stored.signatures, current, strict=True)
        row_of = {paths[row]: row for row, (old, new) in enumerate(pairs) if old != new}
        fresh = {result.path: result for result in run.check(list(row_of))}
        for path, checked in fresh.items():
            if _patch(stored, row_of[path], checked):  # the identity changed
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
        fresh = {result.path: result for result in run.check(stale)}
        updated = _rebuild(paths, rows, current, fresh, stored)
    racy = {path for path in fresh if _racy(run, path, signatures[path])}
    anchor = discovered.anchor or _NO_ANCHOR
    if racy:  # their results may not be their content's: checked again by warm runs too
        anchor = Anchor(anchor.tree, anchor.unanchored | racy, anchor.folders)
    unchanged = (
        updated is stored
        and not fresh
        and (discovered.strays, anchor) == (stored.strays, stored.anchor)
    )
    updated.strays, updated.anchor = discovered.strays, anchor
    digest = _table_digest(updated)
    saved = unchanged or (run.save and _save(run, updated, racy, digest))
    return CachedRun(
        _decode_all(updated.findings),
        len(paths),
        discovered.strays,
        updated.table,
        notes=run.notes,
        table_digest=digest if saved else None,
    )


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
    empty = _digest(identity(None))
    old = memoryview(stored.digests) if stored else memoryview(b"")
    digests = bytearray(
        b"".join(
            old[row * _DIGEST_SIZE : (row + 1) * _DIGEST_SIZE] if row >= 0 else empty
            for row in rows
        )
    )
    updated = _Stored(table, signatures, findings, digests)
    for row, path in enumerate(paths):
        if (result := fresh.get(path)) is not None:
            _patch(updated, row, result)
    return updated


def _patch(stored: _Stored, row: int, result: FileResult) -> bool:
    """Put a fresh result in ``row``; whether the row's identity changed."""
    values = identity(result.key)
    new = _digest(values)
    at = slice(row * _DIGEST_SIZE, (row + 1) * _DIGEST_SIZE)
    changed = stored.digests[at] != new
    if changed:
        stored.table.set(row, result.key)
        stored.digests[at] = new
    if result.findings:
        stored.findings[result.path] = tuple(_encode(f) for f in result.findings)
    else:
        stored.findings.pop(result.path, None)
    return changed


def _digest(values: Identity) -> bytes:
    return hashlib.blake2b(repr(values).encode(), digest_size=_DIGEST_SIZE).digest()


def _racy(run: _Run, path: str, signature: str) -> bool:
    """Whether the file may have changed without its signature changing: modified
    within the window before the run started (stat signatures), or at all since git
    hashed it (content signatures, checked now, after the file was read)."""
    if signature.startswith("s"):
        modified_ns = int(signature[1:].split(":", 1)[0])
    else:
        try:
            modified_ns = os.lstat(run.root / path).st_mtime_ns
        except OSError:
            return True
    return modified_ns >= run.started_ns - _RACY_NS


def _encode(finding: Finding) -> _EncodedFinding:
    return (
        finding.line,
        finding.col,
        finding.code,
        finding.severity.value,
        finding.message,
        finding.hint,
    )


def _decode(path: str, encoded: Iterable[_EncodedFinding]) -> list[Finding]:
    return [
        Finding(path, line, col, code, Severity(severity), message, hint)
        for line, col, code, severity, message, hint in encoded
    ]


def _decode_all(findings: Mapping[str, Iterable[_EncodedFinding]]) -> list[Finding]:
    return [finding for path, encoded in findings.items() for finding in _decode(path, encoded)]


def _read_all(base: CacheFile, notes: list[str]) -> _Stored | None:
    """Every saved column, for the whole run; None if any is damaged."""
    names = ("paths", *_VALUE_COLUMNS, "signatures")
    try:
        blobs = {name: base.blob(name) for name in names}
        with _collector_paused():
            columns = {name: marshal.loads(blob) for name, blob in blobs.items()}
        stored = _Stored(
            KeyTable(paths=columns["paths"]),
            columns["signatures"],
            base.load("findings"),
            bytearray(base.blob("digests")),
            base.load("strays"),
            Anchor(
                str(base.meta.get("anchor", "")),
                frozenset(base.load("unanchored")),
                base.load("folders"),
            ),
            {name: blobs[name] for name in names if name != "signatures"}
            | {"probe": base.blob("probe")},
        )
    except (CorruptCacheError, EOFError, ValueError, TypeError):
        notes.append(_CORRUPT_NOTE)
        return None
    for name in _VALUE_COLUMNS:
        setattr(stored.table, name, columns[name])
    return stored


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: unmarshalling a column of 100,000 tuples
    (tags, pages) otherwise triggers it a hundred times, for nothing (they hold only
    strings), which costs half as much again as the loading itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _table_digest(stored: _Stored) -> str:
    """Identifies every row's path and identity."""
    paths = stored.unchanged_blobs.get("paths") or marshal.dumps(stored.table.paths)
    stored.unchanged_blobs["paths"] = paths
    return hashlib.sha256(paths + bytes(stored.digests)).hexdigest()


def _save(run: _Run, stored: _Stored, racy: set[str], digest: str) -> bool:
    """Write the cache; rows written within the racy window are stored with an impossible
    signature, so that they are checked again next time. A failure is only noted."""
    sigs = [
        "" if path in racy else signature  # "" matches no real signature
        for path, signature in zip(stored.table.paths, stored.signatures, strict=True)
    ]
    columns = {
        "paths": stored.table.paths,
        **{name: getattr(stored.table, name) for name in _VALUE_COLUMNS},
        "signatures": sigs,
        "findings": stored.findings,
        "strays": stored.strays,
        "unanchored": sorted(stored.anchor.unanchored),
        "folders": stored.anchor.folders,
    }
    sections = {
        name: stored.unchanged_blobs.get(name) or marshal.dumps(column)
        for name, column in columns.items()
    }
    sections["digests"] = bytes(stored.digests)
    sections["probe"] = stored.unchanged_blobs.get("probe") or Probe.of(stored.table).encoded()
    meta = {"fingerprint": _fingerprint(), "day": run.today.isoformat(), "table": digest}
    meta["anchor"] = stored.anchor.tree
    meta["generation"] = os.urandom(8).hex()  # what a journal's overlay is laid over
    try:
        cachefile.write(cache_dir(run.root) / CACHE_FILE, meta, sections)
        _remove_older_versions(run.root)
    except OSError as error:
        run.notes.append(
            f"cache not saved ({cache_dir(run.root)}: {error.strerror}); results are unaffected"
        )
        return False
    return True


def _remove_older_versions(root: Path) -> None:
    """Delete cache files an earlier version of this code wrote (tens of megabytes)."""
    current = {Path(name).name for name in (CACHE_FILE, CATALOG_FILE, JOURNAL_FILE)}
    for pattern in ("validate-v*.bin", "catalog-v*.bin", "journal-v*.bin"):
        for path in cache_dir(root).glob(pattern):
            if path.name not in current:
                path.unlink(missing_ok=True)


def cached_catalog(
    root: Path,
    today: dt.date,
    table_digest: str,
    vocabulary_files: bytes,
    compute: Callable[[], tuple[list[Finding], list[Issue]]],
    *,
    growth: Growth | None = None,
    brought: Callable[[KeyTable, Mapping[str, set[str]]], list[Issue] | None] | None = None,
) -> tuple[list[Finding], list[Issue]]:
    """``compute()`` (the vocabulary's findings and the whole-catalog issues), or its
    stored result when the identity table (by digest), the vocabulary files (by content)
    and the code are the same as when it was stored, on the same day or, if no date was
    in the future then, an earlier one (see :func:`_day_dependent`).

    Two results are kept: the saved table's and the latest. When this table differs
    from one of theirs by added rows alone (``growth``), the result is that one's plus
    what ``brought(added rows, values held beyond the saved table)`` says the rows bring,
    unless it says None (see :func:`catalog.problems_of_additions`)."""
    key = _catalog_key(table_digest, vocabulary_files)
    entries = _catalog_entries(root, today)
    if key in entries:
        return entries[key].findings, entries[key].issues
    saved_digest = growth.saved_digest if growth else table_digest
    vocabulary = hashlib.sha256(vocabulary_files).hexdigest()
    kept = {}
    result = None
    for other, entry in entries.items():  # the latest first: it is the closest
        if (entry.saved_digest, entry.vocabulary) != (saved_digest, vocabulary):
            continue
        if not entry.delta:
            kept[other] = entry
        if result is None and growth is not None and brought is not None:
            since = growth.added_since(entry.delta)
            if since is not None and (more := brought(*since)) is not None:
                result = entry.findings, entry.issues + more
    findings, issues = result or compute()
    delta = growth.delta if growth else {}
    latest = _CatalogEntry(today, saved_digest, vocabulary, delta, findings, issues)
    with contextlib.suppress(OSError):  # results stand without it
        sections = {name: entry.encoded() for name, entry in {key: latest, **kept}.items()}
        meta = {"fingerprint": _fingerprint(), "keys": list(sections)}
        cachefile.write(cache_dir(root) / CATALOG_FILE, meta, sections)
    return findings, issues


@dataclass(frozen=True, slots=True)
class _CatalogEntry:
    day: dt.date
    saved_digest: str  # of the saved table this one differs from by ``delta``
    vocabulary: str  # digest of the vocabulary files
    delta: Mapping[str, bytes]
    findings: list[Finding]
    issues: list[Issue]

    def encoded(self) -> bytes:
        found = [(f.path, (_encode(f),)) for f in self.findings]
        plain = [(i.path, i.pointer, i.code, i.message, i.hint) for i in self.issues]
        head = (self.day.isoformat(), self.saved_digest, self.vocabulary, dict(self.delta))
        return marshal.dumps((*head, found, plain))


def _catalog_key(table_digest: str, vocabulary_files: bytes) -> str:
    return hashlib.sha256(
        "\0".join((_fingerprint(), table_digest)).encode() + vocabulary_files
    ).hexdigest()


def _catalog_entries(root: Path, today: dt.date) -> dict[str, _CatalogEntry]:
    """The stored whole-catalog results that still hold today, by key, the latest
    first; none if damaged."""
    try:
        stored = cachefile.read(cache_dir(root) / CATALOG_FILE)
        if stored is None or stored.meta.get("fingerprint") != _fingerprint():
            return {}
        entries = {}
        for key in stored.meta.get("keys", ()):
            day, saved_digest, vocabulary, delta, found, issues = stored.load(key)
            if _still_holds(day, today, found):
                findings = [f for path, encoded in found for f in _decode(path, encoded)]
                entries[key] = _CatalogEntry(
                    dt.date.fromisoformat(day),
                    saved_digest,
                    vocabulary,
                    delta,
                    findings,
                    [Issue(*issue) for issue in issues],
                )
    except (CorruptCacheError, TypeError, ValueError):
        return {}
    return entries


def _still_holds(
    day: str, today: dt.date, findings: Iterable[tuple[str, Iterable[_EncodedFinding]]]
) -> bool:
    """Whether whole-catalog results taken on ``day`` hold ``today`` (see
    :func:`_day_dependent`)."""
    if day == today.isoformat():
        return True
    return day < today.isoformat() and not any(_depends_on_day(found) for _, found in findings)


def _fingerprint() -> str:
    """Changes whenever anything that shapes a result does: any file of the package (at
    any depth), the schema version, and the versions of pydantic-core and of PyYAML and
    the libyaml it parses with. Cached results then no longer count."""
    return _code_fingerprint(PACKAGE_DIR, dependency_versions())


PACKAGE_DIR: Final = Path(__file__).parent


@functools.cache
def _code_fingerprint(package: Path, versions: str) -> str:
    digest = hashlib.sha256(versions.encode() + b"\0")
    for source in sorted(package.rglob("*")):
        if source.is_file() and "__pycache__" not in source.parts:
            relative = source.relative_to(package).as_posix()
            digest.update(relative.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.cache
def dependency_versions() -> str:
    """The schema version and the versions of the libraries whose answers are cached."""
    # imported here: only a run that reads its cache pays for it (as parsing would)
    from yaml import _yaml  # noqa: PLC0415 - reason: the C parser, for its libyaml version

    models = (Path(__file__).parent / "models.py").read_text(encoding="utf-8")
    schema = re.search(r'^SCHEMA_VERSION: Final = "([^"]*)"', models, re.MULTILINE)
    return " ".join(
        (
            f"schema={schema.group(1) if schema else '?'}",
            f"pydantic-core={metadata.version('pydantic-core')}",
            f"PyYAML={metadata.version('PyYAML')}",
            f"libyaml={_yaml.get_version_string()}",
        )
    )
