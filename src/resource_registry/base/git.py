"""The little of git that history checks and the hook mode need: resolve a ref, list and
read files at a commit or in the index (the staged content).

Every call goes through one runner: :func:`_git`, which turns "git is missing", "not a
checkout", "no such ref" and "shallow clone" into :class:`UsageError` messages that say
what to do, or :func:`output`, for facts that are optional (the commit a dataset is made
from, the dates of resources, where the cache lives), which answers None instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from resource_registry.base.errors import UsageError


def resolve(root: Path, ref: str) -> str:
    """The commit id that ``ref`` names."""
    _git(root, "rev-parse", "--show-toplevel")
    done = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if done.returncode == 0:
        return done.stdout.decode().strip()
    if _is_shallow(root):
        raise UsageError(
            f"`{ref}` is not in this shallow clone; fetch it with its history first, e.g. "
            f"`git fetch --no-tags --unshallow origin {ref.removeprefix('origin/')}` "
            "(in GitHub Actions: actions/checkout with fetch-depth: 0)"
        )
    raise UsageError(f"`{ref}` is not a commit in this repository")


def merge_base(root: Path, ref: str) -> str:
    """The commit where HEAD's history left ``ref``'s: what ``git diff REF...HEAD``
    compares with, so that changes made on ``ref`` since are not blamed on HEAD."""
    commit = resolve(root, ref)
    done = _git(root, "merge-base", commit, "HEAD", check=False)
    if done.returncode == 0:
        return done.stdout.decode().split()[0]
    if done.returncode != 1 or done.stderr.strip():  # 1 and silent: git found none
        message = done.stderr.decode(errors="replace").strip()
        raise UsageError(f"git merge-base {ref} HEAD failed: {message}")
    if _is_shallow(root):
        raise UsageError(
            f"`{ref}` and HEAD have no common commit in this shallow clone; fetch the "
            "history first, e.g. `git fetch --no-tags --unshallow origin` "
            "(in GitHub Actions: actions/checkout with fetch-depth: 0)"
        )
    raise UsageError(
        f"`{ref}` and HEAD share no history, so there is no merge base to compare with"
    )


def list_files(root: Path, commit: str, folder: str) -> list[str]:
    """Paths (relative to ``root``) of the files under ``folder`` at ``commit``."""
    out = _git(root, "ls-tree", "-r", "-z", "--name-only", commit, "--", folder).stdout
    return [name.decode() for name in out.split(b"\0") if name]


def changed_files(root: Path, commit: str, folder: str) -> list[str]:
    """Tracked files under ``folder`` whose working-tree content differs from ``commit``."""
    out = _git(
        root, "diff", "--name-only", "--relative", "-z", "--no-renames", commit, "--", folder
    ).stdout
    return [name.decode() for name in out.split(b"\0") if name]


def read_files(root: Path, commit: str, paths: Sequence[str]) -> dict[str, bytes]:
    """The content of each path at ``commit`` (absent paths are left out), in one process."""
    if not paths:
        return {}
    request = b"".join(f"{commit}:./{path}\n".encode() for path in paths)
    out = _git(root, "cat-file", "--batch", stdin=request).stdout
    contents: dict[str, bytes] = {}
    position = 0
    for path in paths:
        end = out.index(b"\n", position)
        header = out[position:end].split()
        position = end + 1
        if len(header) == 2 and header[1] == b"missing":
            continue
        size = int(header[2])
        contents[path] = out[position : position + size]
        position += size + 1
    return contents


class Entry(NamedTuple):
    """A file in the index or a tree: its mode (``100644``, ``120000``...), object id
    and path relative to the registry root."""

    mode: str
    blob: str
    path: str


@contextlib.contextmanager
def index_listing(root: Path, folder: str) -> Iterator[Callable[[], list[bytes]]]:
    """The staged files under ``folder``, listed by a git that runs while the caller
    works: the context gives a function that waits for its ``git ls-files --stage``
    entries, ``<mode> <blob> <stage>\t<path>`` (see :func:`parse_entry`). The git is
    stopped when the context ends."""
    with _running(root, "ls-files", "--stage", "-z", "--", folder) as listing:
        yield lambda: listing().split(b"\0")[:-1]


def tree_listing(root: Path, commit: str, folder: str) -> list[bytes]:
    """The files under ``folder`` at ``commit`` (none before the first commit), as
    :func:`index_listing` gives them."""
    done = _git(root, "ls-tree", "-r", "-z", commit, "--", folder, check=False)
    if done.returncode != 0:
        return []
    entries = []
    for raw in done.stdout.split(b"\0")[:-1]:
        head, _, path = raw.partition(b"\t")
        mode, _kind, blob = head.split(b" ")
        entries.append(b"%s %s 0\t%s" % (mode, blob, path))
    return entries


def parse_entry(raw: bytes) -> Entry:
    """An entry of :func:`index_listing` or :func:`tree_listing`. A file in a merge
    conflict (an entry of stage 1, 2 or 3) is a usage error: there is no one staged
    content to judge. Every entry of a listing is parsed before it is used."""
    head, _, path = raw.partition(b"\t")
    mode, blob, stage = head.decode().split(" ")
    if stage != "0":
        raise UsageError(f"`{os.fsdecode(path)}` has a merge conflict; resolve it first")
    return Entry(mode, blob, os.fsdecode(path))


def head_commit(root: Path) -> str | None:
    """The commit HEAD names; None before the first commit."""
    done = _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    return done.stdout.decode().strip() if done.returncode == 0 else None


def staged_changes(root: Path, folder: str) -> set[str]:
    """The paths under ``folder`` the commit being made adds, changes or removes."""
    against = head_commit(root) or _EMPTY_TREE
    out = _git(
        root,
        "diff",
        "--cached",
        "--name-only",
        "--relative",
        "-z",
        "--no-renames",
        against,
        "--",
        folder,
    ).stdout
    return {os.fsdecode(name) for name in out.split(b"\0") if name}


@contextlib.contextmanager
def untracked_files(root: Path, folder: str) -> Iterator[Callable[[], list[str]]]:
    """Files under ``folder`` that are not in the index (ignored ones included), listed
    by a git that runs while the caller works: the context gives a function that waits
    for them. The git is stopped when the context ends."""
    with _running(root, "ls-files", "--others", "-z", "--", folder) as listing:
        yield lambda: [os.fsdecode(name) for name in listing().split(b"\0") if name]


def read_blobs(root: Path, blobs: Sequence[str]) -> dict[str, bytes]:
    """The content of each object id, in one ``git cat-file --batch``."""
    unique = list(dict.fromkeys(blobs))
    if not unique:
        return {}
    out = _git(root, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in unique).encode())
    contents: dict[str, bytes] = {}
    position = 0
    for blob in unique:
        end = out.stdout.index(b"\n", position)
        header = out.stdout[position:end].split()
        position = end + 1
        if len(header) == 3:
            size = int(header[2])
            contents[blob] = out.stdout[position : position + size]
            position += size + 1
    return contents


_EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's id of the empty tree


def _is_shallow(root: Path) -> bool:
    return _git(root, "rev-parse", "--is-shallow-repository").stdout.decode().strip() == "true"


def _git(
    root: Path, *args: str, stdin: bytes | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    _need_git()
    done = subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, check=False)
    if check and done.returncode != 0:
        raise _failure(root, args, done.stderr)
    return done


@contextlib.contextmanager
def _running(root: Path, *args: str) -> Iterator[Callable[[], bytes]]:
    """A git started now, while the caller works: the context gives a function that
    waits for its output (``_git``'s errors), and the git is stopped when the context
    ends. Its output goes to a temporary file, so that it runs to the end meanwhile (a
    pipe would stop it at 64 KiB, until read)."""
    _need_git()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(
            ["git", *args], cwd=root, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE
        )

        def wait() -> bytes:
            _, err = process.communicate()
            if process.returncode != 0:
                raise _failure(root, args, err)
            out.seek(0)
            return out.read()

        try:
            yield wait
        finally:
            if process.returncode is None:  # not waited for yet
                process.kill()  # (nothing, if it has ended)
                process.communicate()


def _need_git() -> None:
    if shutil.which("git") is None:
        raise UsageError("git is not installed, and --base and --staged need it")


def _failure(root: Path, args: Sequence[str], stderr: bytes) -> UsageError:
    message = stderr.decode(errors="replace").strip()
    if "not a git repository" in message:
        return UsageError(f"{root} is not a git checkout, and --base and --staged need one")
    return UsageError(f"git {' '.join(_shown(args))} failed: {message}")


def output(root: Path, *args: str) -> bytes | None:
    """What ``git args`` prints in ``root``, or None when git is missing or fails."""
    if shutil.which("git") is None:
        return None
    done = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, stdin=subprocess.DEVNULL, check=False
    )
    return done.stdout if done.returncode == 0 else None


def _shown(args: Iterable[str]) -> list[str]:
    return [arg for arg in args if not arg.startswith("-")][:3]
