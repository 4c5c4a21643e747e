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

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final

from resource_registry import layout
from resource_registry.records import RESOURCES_DIR

_GIT_LISTINGS: Final = {
    "index": ["ls-files", "--stage", "-v", "-z"],
    "dirty": ["diff-files", "--name-only", "--relative", "-z"],
    "others": ["ls-files", "--others", "-z"],
}
# Entries of regular files, merged, that git checks for changes (tag H).
_VOUCHED: Final = ("H 100644 ", "H 100755 ")


def discover(root: Path, *, signatures: bool) -> layout.Discovered:
    """Resource files and strays; with ``signatures``, each resource file gets one that
    changes when its content may have: git's index entry (which holds the content hash),
    else a stat signature (:func:`layout.stat_signature`)."""
    return begin(root, signatures=signatures).result()


def begin(root: Path, *, signatures: bool) -> Pending:
    """Start :func:`discover`; git lists the files while the caller does other work."""
    git = shutil.which("git") if signatures else None
    if git is None:
        return Pending(root, signatures, {})
    # closed by Pending.result(), which every caller awaits
    outputs = {name: tempfile.TemporaryFile() for name in _GIT_LISTINGS}  # noqa: SIM115
    running = {
        name: subprocess.Popen(
            [git, "-C", str(root), *arguments, "--", RESOURCES_DIR],
            stdout=outputs[name],  # a file, not a pipe: git never waits for the reader
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        for name, arguments in _GIT_LISTINGS.items()
    }
    return Pending(root, signatures, running, outputs)


@dataclass
class Pending:
    """A discovery under way: :meth:`result` waits for it."""

    root: Path
    signatures: bool
    running: dict[str, subprocess.Popen[bytes]]
    outputs: Mapping[str, IO[bytes]] = field(default_factory=dict)

    def result(self) -> layout.Discovered:
        listed = self._from_git() if self.running else None
        return listed or layout.discover(self.root, signatures=self.signatures)

    def _from_git(self) -> layout.Discovered | None:
        for process in self.running.values():
            process.wait()
        listings = {}
        for name, output in self.outputs.items():
            output.seek(0)
            listings[name] = output.read()
            output.close()
        if any(process.returncode != 0 for process in self.running.values()):
            return None
        return _classify(self.root, listings["index"], listings["dirty"], listings["others"])


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
            status = os.lstat(root / name)
        except FileNotFoundError:  # deleted since it was added to the index
            continue
        if stat.S_ISREG(status.st_mode) and name.endswith(".yaml"):
            signatures[name] = layout.stat_signature(status)
        else:
            strays.append(name)
    return layout.Discovered(sorted(signatures), sorted(strays), signatures)


def _read_index(listing: str) -> tuple[dict[str, str] | None, set[str]]:
    """From ``git ls-files --stage -v -z``: a content signature for every resource file
    git vouches for, and the paths of every other entry (``None`` if a submodule).

    An entry is ``<tag> <mode> <hash> <stage>\\t<path>``; the whole entry is the
    signature (it holds the hash). Every hash in one index has the same length, so in the
    common case, where git vouches for every entry, each is read by position: at 100,000
    files this is a measurable share of a warm run.
    """
    entries = listing.split("\0")[:-1]
    if not entries:
        return {}, set()
    tab = entries[0].index("\t")
    paths = [entry[tab + 1 :] for entry in entries]
    if (
        all(entry.startswith(_VOUCHED) and entry[tab - 1 : tab + 1] == "0\t" for entry in entries)
        and all(path.endswith(".yaml") for path in paths)
        and "/." not in listing
    ):
        return dict(zip(paths, entries, strict=True)), set()
    fields = [entry.split(" ", 3) for entry in entries]
    if any(mode == "160000" for _, mode, *_ in fields):
        return None, set()  # a submodule: its files are not in this index
    signatures, unsure = {}, set()
    for (tag, mode, _, rest), entry in zip(fields, entries, strict=True):
        stage, _, path = rest.partition("\t")
        if f"{tag} {mode} " in _VOUCHED and stage == "0" and _is_resource_name(path):
            signatures[path] = entry
        else:
            unsure.add(path)
    return signatures, unsure


def _is_resource_name(path: str) -> bool:
    return path.endswith(".yaml") and not any(part.startswith(".") for part in path.split("/"))
