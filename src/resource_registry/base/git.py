"""The little of git that history checks need: resolve a ref, list and read files at it.

Every call goes through :func:`_git`, which turns "git is missing", "not a checkout",
"no such ref" and "shallow clone" into :class:`UsageError` messages that say what to do.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

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


def _is_shallow(root: Path) -> bool:
    return _git(root, "rev-parse", "--is-shallow-repository").stdout.decode().strip() == "true"


def _git(
    root: Path, *args: str, stdin: bytes | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    if shutil.which("git") is None:
        raise UsageError("git is not installed, and the history check (--base) needs it")
    done = subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, check=False)
    if check and done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        if "not a git repository" in message:
            raise UsageError(f"{root} is not a git checkout, and --base needs one")
        raise UsageError(f"git {' '.join(_shown(args))} failed: {message}")
    return done


def _shown(args: Iterable[str]) -> list[str]:
    return [arg for arg in args if not arg.startswith("-")][:3]
