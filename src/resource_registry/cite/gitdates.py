"""When each resource entered the registry and when it last changed, from git history.

One ``git log`` over the resource folder gives every commit that touched a resource
file and the files it touched; a resource's ``created`` is the commit time of the
earliest, ``modified`` of the latest (UTC, ``YYYY-MM-DDTHH:MM:SSZ``). Files are known by
their stable ID (the file name), so a file moved between folders keeps its history; a
rename git detects (``-M``) joins the old name's history to the new one's. Every branch
that was merged counts (``--full-history``): a resource added on a branch was created
when that commit was made.

No dates at all, rather than wrong ones, where history cannot tell: outside a git
checkout, without git, and in a shallow clone (whose oldest commit shows every file as
added).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from resource_registry.base import git

_COMMIT: Final = "\x01"
_STEM_SUFFIXES: Final = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class Dates:
    created: str
    modified: str


def resource_dates(root: Path, folder: str = "data/resources") -> dict[str, Dates]:
    """The dates of every resource file that history knows, by stable ID."""
    if _is_shallow(root):
        return {}
    log = git.output(
        root,
        "-c",
        "core.quotePath=false",
        "log",
        "-z",
        "--full-history",
        "--name-status",
        "-M",
        f"--format={_COMMIT}%ct",
        "--",
        folder,
    )
    if log is None:
        return {}
    return dates_from_log(log.decode("utf-8", "surrogateescape"))


def dates_from_log(log: str) -> dict[str, Dates]:
    """Parse ``git log -z --name-status --format=<\\x01>%ct`` output."""
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    renamed: dict[str, str] = {}  # old stable ID -> the one it became
    for seconds, status, paths in _changes(log):
        stems = [_stem(path) for path in paths]
        if status.startswith("R") and len(stems) == 2 and stems[0] != stems[1]:
            renamed[stems[0]] = stems[1]
        for stem in stems[-1:] if status.startswith(("R", "C")) else stems:
            first[stem] = min(first.get(stem, seconds), seconds)
            last[stem] = max(last.get(stem, seconds), seconds)
    for old in renamed.keys() & first.keys():
        new = _final(old, renamed)
        first[new] = min(first.get(new, first[old]), first[old])
        last[new] = max(last.get(new, last[old]), last[old])
    return {
        stem: Dates(_timestamp(first[stem]), _timestamp(last[stem]))
        for stem in first
        if stem not in renamed
    }


def _changes(log: str) -> Iterator[tuple[int, str, list[str]]]:
    tokens = log.split("\0")
    seconds, index = 0, 0
    while index < len(tokens):
        token = tokens[index].lstrip("\n")
        index += 1
        if token.startswith(_COMMIT):
            seconds = int(token[1:])
        elif token:
            count = 2 if token[0] in "RC" else 1
            yield seconds, token, tokens[index : index + count]
            index += count


def _final(stem: str, renamed: dict[str, str]) -> str:
    seen = {stem}
    while stem in renamed and renamed[stem] not in seen:
        stem = renamed[stem]
        seen.add(stem)
    return stem


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    for suffix in _STEM_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _timestamp(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_shallow(root: Path) -> bool:
    """A shallow clone (whose history would give wrong dates), or no checkout at all."""
    answer = git.output(root, "rev-parse", "--is-shallow-repository")
    return answer is None or answer.strip() == b"true"
