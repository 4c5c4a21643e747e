"""The hook mode (``validate --staged``): judge what the commit being made holds.

The registry as git's index has it (the staged content, not the work tree; untracked
files left out) is validated as a whole. Resource files are named by the object ids the
index holds: their results come from the cache, and only content it has no result for
is read (``git cat-file --batch``). The few other files (vocabularies, tombstones,
strays) are written to a private folder, where validation reads them.
The report keeps the findings of the files the commit changes, and those of other files
that the change causes: any finding of an untouched file that the same validation of
HEAD does not have (a URL now shared with an added file, say). HEAD is validated only
when untouched files have findings at all. Everything else is backlog, summed up in one
note; it does not fail the commit (CI validates the whole registry).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from resource_registry.base import git as gitrepo
from resource_registry.base.errors import UsageError
from resource_registry.base.findings import Finding, Severity
from resource_registry.cache import results as cache
from resource_registry.check.file_result import FileResult
from resource_registry.record import layout
from resource_registry.registry import validate as validation
from resource_registry.registry.validate import FileRun, Options, Report

_DATA = "data"
_LINK = "120000"
_SUBMODULE = "160000"


def validate_staged(root: Path, options: Options) -> Report:
    """The report of the commit being made at ``root`` (see the module's docstring)."""
    if options.paths or options.base is not None:
        raise UsageError("--staged judges the whole commit: give it no PATHS and no --base")
    with (
        gitrepo.untracked_files(root, _DATA) as untracked,
        gitrepo.index_listing(root, _DATA) as listing,
    ):
        staged = _validated(root, "index", listing, options)
        changed = gitrepo.staged_changes(root, _DATA)
        touched = [item for item in staged.findings if item.path in changed]
        untouched = [item for item in staged.findings if item.path not in changed]
        caused: list[Finding] = []
        if untouched:
            head = gitrepo.head_commit(root)
            before = set()
            if head is not None:
                at_head = partial(gitrepo.tree_listing, root, head, _DATA)
                before = set(_validated(root, "HEAD", at_head, options).findings)
            caused = [item for item in untouched if item not in before]
        backlog = [item for item in untouched if item not in set(caused)]
        notes = [*staged.notes, *_left_out(untracked()), *_backlog_note(backlog)]
    return Report(sorted(touched + caused), staged.files_checked, notes)


def _validated(
    root: Path, view: str, listing: Callable[[], Sequence[bytes]], options: Options
) -> Report:
    """Validation of the registry that ``listing()`` (entries of ``view``, ``index`` or
    ``HEAD``, of the checkout) holds."""
    contents = _Contents(root, options)
    notes: list[str] = []
    if options.cache:
        listed = cache.content_results(root, options.today, view, listing, contents.check, notes)
    else:
        listed = cache.fresh_content_results(listing(), options.today, contents.check)
    with tempfile.TemporaryDirectory(prefix="resreg-staged-") as folder:
        copy = Path(folder)
        _write_entries(root, copy, listed.other_entries())
        (copy / layout.RESOURCES_DIR).mkdir(parents=True, exist_ok=True)
        if linked := layout.linked_part(copy, layout.RESOURCES_DIR):
            run = FileRun.of([], [linked])
        else:
            run = FileRun(listed.checked(), layout.discover(copy).strays, notes)
        read = partial(contents.read, listed)
        return validation.report_of(copy, run, options, read=read)


class _Contents:
    """The staged resource files' bytes, read from git when first needed."""

    def __init__(self, root: Path, options: Options) -> None:
        self._root, self._options = root, options
        self._read: dict[str, bytes] = {}

    def check(self, missing: Sequence[tuple[str, str]]) -> list[FileResult]:
        contents = gitrepo.read_blobs(self._root, [blob for _, blob in missing])
        self._read.update(contents)
        capped = [(path, contents[blob][: layout.MAX_FILE_BYTES + 1]) for path, blob in missing]
        return validation.check_contents(capped, self._options.today, self._options.jobs)

    def read(self, listed: cache.Snapshot, paths: Sequence[str]) -> dict[str, bytes]:
        """The bytes of each resource file of ``listed`` among ``paths``."""
        blobs = listed.blob_of(paths)
        wanted = [blob for blob in blobs.values() if blob not in self._read]
        self._read.update(gitrepo.read_blobs(self._root, wanted))
        cap = layout.MAX_FILE_BYTES + 1
        return {path: self._read[blob][:cap] for path, blob in blobs.items()}


def _write_entries(root: Path, copy: Path, entries: Sequence[gitrepo.Entry]) -> None:
    """Write each entry under ``copy`` as git's checkout would: files with their staged
    content, links as links (which validation reports and never follows), submodules
    as empty folders."""
    contents = gitrepo.read_blobs(
        root, [entry.blob for entry in entries if entry.mode != _SUBMODULE]
    )
    for entry in entries:
        target = copy / entry.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if entry.mode == _SUBMODULE:
            target.mkdir(exist_ok=True)
        elif entry.mode == _LINK:
            os.symlink(os.fsdecode(contents[entry.blob]), target)
        else:
            target.write_bytes(contents[entry.blob])


def _left_out(untracked: Sequence[str]) -> list[str]:
    if not untracked:
        return []
    files = "file" if len(untracked) == 1 else "files"
    return [f"{len(untracked)} untracked {files} under {_DATA}/ left out (not staged)"]


def _backlog_note(backlog: Sequence[Finding]) -> list[str]:
    if not backlog:
        return []
    counts = Counter(item.severity for item in backlog)
    parts = [
        f"{counts[severity]} {severity.value}{'s' if counts[severity] != 1 else ''}"
        for severity in (Severity.ERROR, Severity.WARNING)
        if counts[severity]
    ]
    return [
        f"{' and '.join(parts)} in files this commit does not touch (`resreg validate` lists them)"
    ]
