"""Where things are in a registry checkout, and how files are found and read."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from resource_registry.errors import UsageError

RESOURCES_DIR: Final = "data/resources"
PUBLICATIONS: Final = "data/publications.yaml"
PAGES: Final = "data/pages.yaml"
TAGS: Final = "data/tags.yaml"
TOMBSTONES: Final = "data/tombstones.yaml"
VOCABULARY_FILES: Final = (PUBLICATIONS, PAGES, TAGS, TOMBSTONES)
MAX_FILE_BYTES: Final = 1024 * 1024  # larger files are refused, unparsed


@dataclass(frozen=True, slots=True)
class Discovered:
    """Files under ``data/resources``: resource files, and anything else found there.

    ``signatures`` (a string that changes whenever a resource file's content may have) is
    filled on request, for the incremental cache: see :func:`stat_signature` and
    :mod:`resource_registry.worktree`. In a git checkout, ``anchor`` lets a later run
    ask git only what changed since."""

    resources: list[str]
    strays: list[str]
    signatures: dict[str, str] = field(default_factory=dict)
    anchor: Anchor | None = None


@dataclass(frozen=True, slots=True)
class Anchor:
    """A listing's reference point: the commit tree it was compared with; every path
    whose content may not be that tree's (staged, modified, untracked, or not checked by
    git); and the modification time (ns) of every folder, whose change reveals files
    added since (-1 for a folder modified too recently to be trusted)."""

    tree: str
    unanchored: frozenset[str]
    folders: dict[str, int]


def find_root(start: Path) -> Path:
    """The registry root: ``start`` or the nearest parent holding ``data/resources``."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / RESOURCES_DIR).is_dir():
            return candidate
    raise UsageError(
        f"{start} is not inside a registry: no `{RESOURCES_DIR}` folder here or above "
        "(run in a registry checkout or pass --root DIR)"
    )


def discover(root: Path, *, signatures: bool = False) -> Discovered:
    """Every file under ``data/resources``, as sorted POSIX paths relative to ``root``.

    Resource files are regular ``.yaml`` files; links, other extensions and anything else
    are strays (reported, never silently skipped). Hidden files such as ``.gitkeep`` are
    ignored.
    """
    resources: list[str] = []
    strays: list[str] = []
    stats: dict[str, str] = {}
    pending = [(os.path.join(root, RESOURCES_DIR), RESOURCES_DIR)]
    while pending:
        folder, relative_folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:  # the hot loop of every run: one scandir entry per file
                name = entry.name
                if name[0] == ".":
                    continue
                relative = f"{relative_folder}/{name}"
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, relative))
                elif name.endswith(".yaml") and entry.is_file(follow_symlinks=False):
                    resources.append(relative)
                    if signatures:
                        stats[relative] = stat_signature(entry.stat(follow_symlinks=False))
                else:
                    strays.append(relative)
    return Discovered(sorted(resources), sorted(strays), stats)


def stat_signature(info: os.stat_result) -> str:
    """``s<mtime ns>:<size>:<inode>``: changes when a file is rewritten or replaced."""
    return f"s{info.st_mtime_ns}:{info.st_size}:{info.st_ino}"


def read_capped(path: str | Path) -> bytes:
    """A file's bytes, stopping one byte past the size limit so huge files cost nothing.

    Unbuffered ``os.read`` on purpose: this runs once per file on the hot path.
    """
    descriptor = os.open(path, os.O_RDONLY)
    try:
        return os.read(descriptor, MAX_FILE_BYTES + 1)
    finally:
        os.close(descriptor)
