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
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final

from resource_registry import layout
from resource_registry.layout import RESOURCES_DIR

_GIT_LISTINGS: Final = {
    "index": ["ls-files", "--stage", "-v", "-z"],
    "dirty": ["diff-files", "--name-only", "--relative", "-z"],
    "others": ["ls-files", "--others", "-z"],
}
# More files than this reported as modified means git's stat cache is stale: refresh it.
_STALE_INDEX: Final = 1000
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
    """Let git list the files of ``root`` while a command imports the rest of the package
    (about 0.3 s, as long as the listing takes at 100,000 files): :func:`begin` takes the
    listing over, and one it did not take is waited for and closed on the way out."""
    _EARLY[root] = begin(root, signatures=True)
    try:
        yield
    finally:
        if (unused := _EARLY.pop(root, None)) is not None:
            unused.close()


_EARLY: dict[Path, Pending] = {}


def begin(root: Path, *, signatures: bool) -> Pending:
    """Start :func:`discover`; git lists the files while the caller does other work."""
    if signatures and (early := _EARLY.pop(root, None)) is not None:
        return early
    git = shutil.which("git") if signatures else None
    if git is None:
        return Pending(root, signatures, {})
    pending = Pending(root, signatures, {})
    try:
        for name, arguments in _GIT_LISTINGS.items():
            # closed by Pending.result() or Pending.close(), which every caller reaches
            output = tempfile.TemporaryFile()  # noqa: SIM115
            pending.outputs[name] = output
            pending.running[name] = subprocess.Popen(
                [git, "-C", str(root), *arguments, "--", RESOURCES_DIR],
                stdout=output,  # a file, not a pipe: git never waits for the reader
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
            )
    except OSError:  # no temporary space, or git cannot start: walk the folder instead
        pending.close()
        return Pending(root, signatures, {})
    return pending


@dataclass
class Pending:
    """A discovery under way: :meth:`result` waits for it."""

    root: Path
    signatures: bool
    running: dict[str, subprocess.Popen[bytes]]
    outputs: dict[str, IO[bytes]] = field(default_factory=dict)

    def result(self) -> layout.Discovered:
        listed = self._from_git() if self.running else None
        return listed or layout.discover(self.root, signatures=self.signatures)

    def close(self) -> None:
        for process in self.running.values():
            process.wait()
        for output in self.outputs.values():
            output.close()

    def _from_git(self) -> layout.Discovered | None:
        for process in self.running.values():
            process.wait()
        listings = {}
        for name, output in self.outputs.items():
            output.seek(0)
            listings[name] = output.read()
        self.close()
        if any(process.returncode != 0 for process in self.running.values()):
            return None
        if listings["dirty"].count(b"\0") > _STALE_INDEX:
            listings["dirty"] = _refreshed_dirty(self.root) or listings["dirty"]
        return _classify(self.root, listings["index"], listings["dirty"], listings["others"])


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


def _classify(root: Path, index: bytes, dirty: bytes, others: bytes) -> layout.Discovered | None:
    signatures, unsure = _read_index(index.decode("utf-8", "surrogateescape"))
    if signatures is None:
        return None
    for listing in (dirty, others):
        unsure.update(os.fsdecode(raw) for raw in listing.split(b"\0") if raw)
    strays: list[str] = []
    for name in unsure:
        signatures.pop(name, None)
        if name.endswith("/"):
            return None  # a nested repository git does not look into
        if any(part.startswith(".") for part in name.split("/")):
            continue
        try:
            status = os.lstat(f"{root}/{name}")
        except FileNotFoundError:  # deleted since it was added to the index
            continue
        if stat.S_ISREG(status.st_mode) and name.endswith(".yaml"):
            signatures[name] = layout.stat_signature(status)
        else:
            strays.append(name)
    return layout.Discovered(sorted(signatures), sorted(strays), signatures)


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
