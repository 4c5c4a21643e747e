"""Which resource files exist and which may have changed, from git's index when it can.

Proving 100,000 files unchanged costs a ``stat`` each when done from Python. In a git
checkout, git already keeps a stat cache (the index) and checks it in C: ``git ls-files``
names every tracked file with the hash of its content, ``git diff-files`` names the
tracked files whose working copy may differ from it, and ``git ls-files --others`` names
the untracked ones. A clean tracked file is then identified by its content hash, which is
a better cache key than any stat signature. Files git cannot vouch for (modified,
untracked, assume-unchanged, skip-worktree, conflicted, not regular) are ``lstat``-ed here
and classified exactly as :func:`layout.discover` does, so both give the same files and
strays. Anything unusual (no git, not a checkout, a nested repository, git failing) falls
back to :func:`layout.discover`.

A warm run needs less: given the tree the cache's results were anchored to, ``git
diff-index <tree>`` (one read of the index, a ``stat`` per file in C) names the tracked
paths that may differ from it, and folders whose modification time moved since
(:func:`folder_times`, :func:`new_paths`) reveal files added (see
:mod:`resource_registry.cache.results`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final

from resource_registry.cache import files as cachefile
from resource_registry.record import layout
from resource_registry.record.layout import RESOURCES_DIR

# Folders modified less than this before a listing began are not trusted to be in it.
_RACY_NS: Final = 2_000_000_000
_GIT_LISTINGS: Final = {
    "index": ["ls-files", "--stage", "-v", "-z"],
    "dirty": ["diff-files", "--name-only", "--relative", "-z"],
    "others": ["ls-files", "--others", "-z"],
}
# Against a tree: every tracked path whose working copy (staged or not) may differ from it.
_DIFF_AGAINST: Final = ["diff-index", "--raw", "-z", "--no-renames", "--relative"]
# More files than this reported as modified means git's stat cache is stale: refresh it.
# Well under the warm run's limit (cache.FAST_LIMIT): the paths git cannot vouch for are
# re-checked by every warm run, and past that limit every run would list every file.
_STALE_INDEX: Final = 100
# Entries of regular files, merged, that git checks for changes (tag H).
_VOUCHED: Final = ("H 100644 ", "H 100755 ")
# A stage other than 0 (a merge conflict); may also match an odd path, which only costs
# the slow path.
_CONFLICT: Final = re.compile(r" [123]\t")


def discover(root: Path, *, signatures: bool) -> layout.Discovered:
    """Resource files and strays; with ``signatures``, each resource file gets one that
    changes when its content may have: the content hash in git's index, else a stat
    signature (:func:`layout.stat_signature`, which starts with ``s``: no hash does)."""
    return begin(root, signatures=signatures).result()


@contextlib.contextmanager
def listing_started(root: Path) -> Iterator[None]:
    """Let git list the files of ``root`` (or the changes since the cache's anchor)
    while a command imports the rest of the package (about 0.3 s, as long as the
    listing takes at 100,000 files): :func:`begin` takes the listing over, and one it did
    not take is waited for and closed on the way out."""
    _EARLY[root] = begin(root, signatures=True, anchor=cachefile.anchor(root))
    try:
        yield
    finally:
        if (unused := _EARLY.pop(root, None)) is not None:
            unused.close()


_EARLY: dict[Path, Pending] = {}


def begin(root: Path, *, signatures: bool, anchor: str | None = None) -> Pending:
    """Start :func:`discover`; git lists the files while the caller does other work.

    With an ``anchor`` (a tree the cache's results were taken from), git lists only the
    paths that may differ from it (:meth:`Pending.changes`); the whole listing is then
    started only if :meth:`Pending.result` is asked for.
    """
    if signatures and (early := _EARLY.pop(root, None)) is not None:
        if anchor is None:
            if not early.changes_only:
                return early
        elif early.changes_only and early.anchor == anchor:
            return early
        early.close()
    git = shutil.which("git") if signatures else None
    if git is None:
        return Pending(root, signatures)
    pending = Pending(root, signatures, changes_only=anchor is not None)
    pending.started_ns = time.time_ns()
    try:
        index = _git_output(git, root, "rev-parse", "--git-path", "index")
        if index is not None:  # otherwise not a checkout: the walk will say so
            pending.index_file = root / index
            pending.index_before = _stat_key(pending.index_file)
        tree = anchor if anchor is not None else _head_tree(git, root)
        pending.anchor = tree
        listings = {"changed": [*_DIFF_AGAINST, tree]} if tree else {}
        if anchor is None:
            listings |= _GIT_LISTINGS
        for name, arguments in listings.items():
            pending._start(git, name, arguments)
    except OSError:  # no temporary space, or git cannot start: walk the folder instead
        pending.close()
        return Pending(root, signatures)
    return pending


@dataclass(frozen=True, slots=True)
class HeadChanges:
    """Where HEAD is now, against a tree the cache's results were anchored to."""

    tree: str  # HEAD's tree
    committed: set[str]  # the paths under data/resources that differ between the two trees
    differing: set[str]  # of the paths asked about, those that may not hold HEAD's content


def head_changes(root: Path, tree: str, paths: Iterable[str]) -> HeadChanges | None:
    """HEAD's tree; if it is not ``tree``, the paths that differ between the two, and
    which of ``paths`` may not hold their content in HEAD's tree now (tracked paths whose
    index entry or working copy git reports as different from it, and untracked files).
    None if git fails, or rewrites its index meanwhile (the listings may then disagree)."""
    git = shutil.which("git")
    if git is None:
        return None
    found = _git_output(git, root, "rev-parse", "--git-path", "index", "HEAD^{tree}")
    if found is None:
        return None
    index, head = found.split("\n")
    if head == tree:
        return HeadChanges(head, set(), set())
    before = _stat_key(root / index)
    asked = sorted(paths)
    here = [git, "--literal-pathspecs", "-C", str(root)]
    commands = {
        "committed": [*here, "diff-tree", "-r", *_NAMES_ONLY, tree, head, "--", RESOURCES_DIR]
    }
    if asked:
        commands["differing"] = [*here, "diff-index", *_NAMES_ONLY, head, "--", *asked]
        commands["tracked"] = [*here, "ls-files", "-z", "--", *asked]
    listed = _outputs_of(commands)  # at once: each reads the whole index
    if listed is None or _stat_key(root / index) != before:
        return None
    in_index = _split_names(listed.get("tracked", b""))
    untracked = {path for path in asked if path not in in_index and os.path.lexists(root / path)}
    differing = _split_names(listed.get("differing", b"")) | untracked
    return HeadChanges(head, _split_names(listed["committed"]), differing)


def _outputs_of(commands: dict[str, list[str]]) -> dict[str, bytes] | None:
    """The output of each command, run side by side; None if one fails."""
    running = {
        name: subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
        )
        for name, command in commands.items()
    }
    outputs = {name: process.communicate()[0] for name, process in running.items()}
    return None if any(process.returncode for process in running.values()) else outputs


_NAMES_ONLY: Final = ["--name-only", "-z", "--no-renames", "--relative"]


def _split_names(listed: bytes) -> set[str]:
    return {os.fsdecode(name) for name in listed.split(b"\0") if name}


def _git_output(git: str, root: Path, *arguments: str) -> str | None:
    done = subprocess.run(
        [git, "-C", str(root), *arguments],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return os.fsdecode(done.stdout.rstrip(b"\n")) if done.returncode == 0 else None


def _head_tree(git: str, root: Path) -> str | None:
    """The tree of the current commit (None before the first commit or outside git)."""
    return _git_output(git, root, "rev-parse", "-q", "--verify", "HEAD^{tree}")


def _stat_key(path: Path) -> tuple[int, int, int, int] | None:
    """What changes whenever git rewrites its index (always by replacing the file)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


@dataclass
class Pending:
    """A discovery under way: :meth:`result` waits for it."""

    root: Path
    signatures: bool
    changes_only: bool = False
    # the tree the listing compares with (the anchor asked for, or HEAD's)
    anchor: str | None = None
    started_ns: int = 0
    index_file: Path | None = None
    index_before: tuple[int, int, int, int] | None = None
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    outputs: dict[str, IO[bytes]] = field(default_factory=dict)

    def _start(self, git: str, name: str, arguments: list[str]) -> None:
        # closed by result(), changes() or close(), which every caller reaches
        output = tempfile.TemporaryFile()  # noqa: SIM115
        self.outputs[name] = output
        self.running[name] = subprocess.Popen(
            [git, "-C", str(self.root), *arguments, "--", RESOURCES_DIR],
            stdout=output,  # a file, not a pipe: git never waits for the reader
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )

    def changes(self) -> set[str] | None:
        """Every tracked path under ``data/resources`` whose working copy (staged or not)
        may differ from the anchor. (Files added since are found from folder times: see
        :func:`new_paths`.) A file in a merge conflict is among them. None when the
        listing cannot say: not started with an anchor, git failed, a submodule or an
        entry git reports as unmerged, or the index was rewritten meanwhile.

        Like ``git status``, this takes git's word for files marked assume-unchanged or
        skip-worktree after the anchor was taken."""
        if not self.changes_only:
            return None
        listings = self._collected()
        if listings is None:
            return None
        fields = listings["changed"].split(b"\0")
        # ":<old mode> <new mode> <old hash> <new hash> <status>", then the path
        heads, names = fields[0:-1:2], fields[1::2]
        if any(head[-1:] == b"U" or b"160000" in head for head in heads):
            return None
        return set(map(os.fsdecode, names))

    def result(self) -> layout.Discovered:
        if self.changes_only:  # only the changes were listed: list everything now
            self.close()
            return begin(self.root, signatures=self.signatures).result()
        listed = self._from_git() if self.running else None
        return listed or layout.discover(self.root, signatures=self.signatures)

    def close(self) -> None:
        for process in self.running.values():
            process.wait()
        for output in self.outputs.values():
            output.close()

    def _collected(self) -> dict[str, bytes] | None:
        """Every listing's output, once git is done; None if any git failed. If the index
        was rewritten while they ran, they may disagree: changes are then not trusted,
        and the whole listing is taken without an anchor."""
        for process in self.running.values():
            process.wait()
        listings = {}
        for name, output in self.outputs.items():
            output.seek(0)
            listings[name] = output.read()
        self.close()
        if any(process.returncode != 0 for process in self.running.values()):
            return None
        if self.index_file is None or _stat_key(self.index_file) != self.index_before:
            if self.changes_only:
                return None
            self.anchor = None
        return listings

    def _from_git(self) -> layout.Discovered | None:
        listings = self._collected()
        if listings is None:
            return None
        if listings["dirty"].count(b"\0") > _STALE_INDEX:
            listings["dirty"] = _refreshed_dirty(self.root) or listings["dirty"]
            self.anchor = None  # the refresh rewrote the index after the other listings
        classified = _classify(self.root, listings["index"], listings["dirty"], listings["others"])
        if classified is None:
            return None
        discovered, unsure = classified
        if self.anchor is None:
            return discovered
        changed = listings["changed"].split(b"\0")[1::2]
        anchor = layout.Anchor(
            self.anchor,
            frozenset(unsure.union(map(os.fsdecode, changed))),
            folder_times(self.root, self.started_ns),
        )
        return layout.Discovered(
            discovered.resources, discovered.strays, discovered.signatures, anchor
        )


def folder_times(root: Path, listed_ns: int) -> dict[str, int]:
    """The modification time of every folder under ``data/resources`` (hidden ones and
    links excepted), or -1 where it is within two seconds of ``listed_ns`` (when git's
    listing began) or later: a file added then may be missing from the listing while
    its folder's time already counts it."""
    trusted_before = listed_ns - _RACY_NS
    times: dict[str, int] = {}
    folders = [RESOURCES_DIR]
    while folders:
        folder = folders.pop()
        try:
            modified = os.lstat(f"{root}/{folder}").st_mtime_ns
            with os.scandir(f"{root}/{folder}") as entries:
                folders.extend(
                    f"{folder}/{entry.name}"
                    for entry in entries
                    if entry.name[0] != "." and entry.is_dir(follow_symlinks=False)
                )
        except OSError:  # removed meanwhile: a later run finds its files another way
            continue
        times[folder] = modified if modified < trusted_before else -1
    return times


def new_paths(
    root: Path,
    folders: dict[str, int],
    known: Callable[[str], bool],
    scanned: dict[str, int] | None = None,
) -> set[str]:
    """Every path under ``data/resources`` that ``known`` does not name, in the folders
    whose modification time is not the one in ``folders`` (which is how a file added,
    removed or renamed shows) and in folders that are not in it at all. A folder that
    is gone is skipped: its tracked files are in git's changes, and its untracked ones
    were saved as unanchored. Each folder looked into is put in ``scanned`` with its
    modification time from just before it was listed."""
    found: set[str] = set()
    seen = scanned if scanned is not None else {}
    for folder, recorded in folders.items():
        try:
            info = os.lstat(f"{root}/{folder}")
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode):
            found.add(folder)  # replaced by a file or a link: a stray
        elif info.st_mtime_ns != recorded or recorded < 0:
            seen[folder] = info.st_mtime_ns
            found.update(_unknown_entries(root, folder, folders, known, seen))
    return found


def _unknown_entries(
    root: Path,
    folder: str,
    folders: dict[str, int],
    known: Callable[[str], bool],
    scanned: dict[str, int],
) -> Iterator[str]:
    try:
        with os.scandir(f"{root}/{folder}") as listing:
            entries = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in listing]
    except OSError:  # removed meanwhile
        return
    for name, is_folder in entries:
        path = f"{folder}/{name}"
        if name[0] == ".":
            continue
        if is_folder and path not in folders:  # a new folder: everything in it is new
            try:
                scanned[path] = os.lstat(f"{root}/{path}").st_mtime_ns
            except OSError:  # removed meanwhile
                continue
            yield from _unknown_entries(root, path, folders, lambda _: False, scanned)
        elif not is_folder and not known(path):
            yield path


def _refreshed_dirty(root: Path) -> bytes | None:
    """``git diff-files`` after refreshing the index's stat cache, as ``git status`` does.

    A checkout that was copied, or files touched without change, leave git's stat cache
    stale, and then every file looks modified. Refreshing re-reads only those files and
    records their stat data (never their content); if the index is locked (a commit in
    progress), the stale listing is used as it is.
    """
    git = [shutil.which("git") or "git", "-C", str(root)]
    refresh = [*git, "update-index", "-q", "--refresh"]  # every entry, as git status does
    subprocess.run(refresh, capture_output=True, check=False)
    dirty = [*git, *_GIT_LISTINGS["dirty"], "--", RESOURCES_DIR]
    done = subprocess.run(dirty, capture_output=True, check=False)
    return done.stdout if done.returncode == 0 else None


def _classify(
    root: Path, index: bytes, dirty: bytes, others: bytes
) -> tuple[layout.Discovered, set[str]] | None:
    """The files and strays, and the paths git does not vouch for."""
    signatures, unsure = _read_index(index.decode("utf-8", "surrogateescape"))
    if signatures is None:
        return None
    for listing in (dirty, others):
        unsure.update(os.fsdecode(raw) for raw in listing.split(b"\0") if raw)
    for name in unsure:
        signatures.pop(name, None)
    looked = classify(root, unsure)
    if looked is None:
        return None
    signatures.update(looked[0])
    return layout.Discovered(sorted(signatures), sorted(looked[1]), signatures), unsure


def classify(root: Path, names: Iterable[str]) -> tuple[dict[str, str], list[str]] | None:
    """Look at each named path under ``root`` as :func:`layout.discover` would: the
    resource files among them (with stat signatures) and the strays; deleted and hidden
    paths, and paths behind a link, are neither. None if one is a nested repository (its
    files are unknown)."""
    resources: dict[str, str] = {}
    strays: list[str] = []
    linked: dict[str, bool] = {}
    for name in names:
        if name.endswith("/"):
            return None  # a nested repository git does not look into
        if any(part.startswith(".") for part in name.split("/")):
            continue
        if _behind_link(root, name, linked):
            continue
        try:
            status = os.lstat(f"{root}/{name}")
        except (FileNotFoundError, NotADirectoryError):  # deleted since git listed it
            continue
        if stat.S_ISREG(status.st_mode) and name.endswith(".yaml"):
            resources[name] = layout.stat_signature(status)
        else:
            strays.append(name)
    return resources, strays


def _behind_link(root: Path, name: str, linked: dict[str, bool]) -> bool:
    """Whether a folder on the way to ``name`` (below ``data/resources``) is a link,
    which the folder walk does not follow; ``linked`` remembers folders seen."""
    folder = name.rpartition("/")[0]
    if folder == RESOURCES_DIR or not folder.startswith(RESOURCES_DIR + "/"):
        return False
    if folder not in linked:
        linked[folder] = os.path.islink(f"{root}/{folder}") or _behind_link(root, folder, linked)
    return linked[folder]


def _read_index(listing: str) -> tuple[dict[str, str] | None, set[str]]:
    """From ``git ls-files --stage -v -z``: a content signature (the object hash) for
    every resource file git vouches for, and the paths of every other entry (``None`` if a
    submodule).

    An entry is ``<tag> <mode> <hash> <stage>\\t<path>\\0``. In the common case git
    vouches for every entry, which whole-listing counts (in C) prove: each entry starts
    with a vouched tag and mode, ends in ``.yaml``, and no stage but 0 appears. Entries are
    then read by position, as every hash in one index has the same length: at 100,000
    files this is a measurable share of a warm run.
    """
    entries = listing.split("\0")[:-1]
    if not entries:
        return {}, set()
    framed = "\0" + listing
    vouched = sum(framed.count(f"\0{start}") for start in _VOUCHED)
    if (
        vouched == len(entries) == listing.count(".yaml\0")
        and "/." not in listing
        and _CONFLICT.search(listing) is None
    ):
        tab = entries[0].index("\t")
        hashes = [entry[9 : tab - 2] for entry in entries]
        return dict(zip([entry[tab + 1 :] for entry in entries], hashes, strict=True)), set()
    fields = [entry.split(" ", 3) for entry in entries]
    if any(mode == "160000" for _, mode, *_ in fields):
        return None, set()  # a submodule: its files are not in this index
    signatures, unsure = {}, set()
    for tag, mode, digest, rest in fields:
        stage, _, path = rest.partition("\t")
        if f"{tag} {mode} " in _VOUCHED and stage == "0" and _is_resource_name(path):
            signatures[path] = digest
        else:
            unsure.add(path)
    return signatures, unsure


def _is_resource_name(path: str) -> bool:
    return path.endswith(".yaml") and not any(part.startswith(".") for part in path.split("/"))
