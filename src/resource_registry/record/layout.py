"""Where things are in a registry checkout, and how files are found and read."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Final

from resource_registry.base.errors import RegistryError, UsageError
from resource_registry.base.findings import Finding, Severity
from resource_registry.base.parallel import forked_parts

RESOURCES_DIR: Final = "data/resources"
PUBLICATIONS: Final = "data/publications.yaml"
PAGES: Final = "data/pages.yaml"
TAGS: Final = "data/tags.yaml"
TOMBSTONES_DIR: Final = "data/tombstones"  # one file per tombstone: see tombstones.py
LEGACY_TOMBSTONES: Final = "data/tombstones.yaml"  # the old single file, read for one release
VOCABULARY_FILES: Final = (PUBLICATIONS, PAGES, TAGS)
DATA_FOLDERS: Final = ("data", RESOURCES_DIR, TOMBSTONES_DIR)
_GIT_FILE_MODES: Final = ("100644", "100755")
MAX_FILE_BYTES: Final = 1024 * 1024  # larger files are refused, unparsed
_FOLDERS_TO_SPLIT: Final = 64  # fewer subfolders of data/resources: walked in one process
# the issue forms (contrib/issueform.py writes them; the site links to the second one,
# prefilling its field PROBLEM_FORM_FIELD with a resource's stable ID)
NEW_RESOURCE_FORM: Final = ".github/ISSUE_TEMPLATE/new-resource.yml"
PROBLEM_FORM: Final = ".github/ISSUE_TEMPLATE/resource-problem.yml"
PROBLEM_FORM_FIELD: Final = "resource"


@dataclass(frozen=True, slots=True)
class Discovered:
    """Files under ``data/resources``: resource files, and anything else found there.

    ``signatures`` (each resource file's :func:`stat_signature`) is filled on request,
    for the cache."""

    resources: list[str]
    strays: list[str]
    signatures: dict[str, str] = field(default_factory=dict)


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


def discover(root: Path, folder: str = RESOURCES_DIR, *, signatures: bool = False) -> Discovered:
    """Every file under ``folder`` (``data/resources``), as sorted POSIX paths relative
    to ``root``.

    Data files are regular ``.yaml`` files; links, other extensions and anything else
    are strays (reported, never silently skipped). Hidden files such as ``.gitkeep`` are
    ignored. A folder that is a link, or lies behind one, is not read: it is the only
    stray.
    """
    if linked := linked_part(root, folder):
        return Discovered([], [linked])
    resources, strays, stats, folders = _scan([(os.path.join(root, folder), folder)], signatures)
    scan = partial(_scan, signatures=signatures, descend=True)
    # `lstat` is most of a large walk: the shard folders are split over the cores
    split = len(folders) >= _FOLDERS_TO_SPLIT
    for part in forked_parts(scan, folders) if split else [scan(folders)]:
        resources += part[0]
        strays += part[1]
        stats.update(part[2])
    return Discovered(sorted(resources), sorted(strays), stats)


def _scan(
    folders: Sequence[tuple[str, str]], signatures: bool, *, descend: bool = False
) -> tuple[list[str], list[str], dict[str, str], list[tuple[str, str]]]:
    """The resource files, strays and (if asked) signatures of ``folders`` (each a path
    and its relative POSIX path), and their subfolders, or with ``descend`` none: they
    are walked too."""
    resources: list[str] = []
    strays: list[str] = []
    stats: dict[str, str] = {}
    pending = list(folders)
    subfolders: list[tuple[str, str]] = []
    while pending:
        folder, relative_folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:  # the hot loop of every run: one scandir entry per file
                name = entry.name
                if name[0] == ".":
                    continue
                relative = f"{relative_folder}/{name}"
                if entry.is_dir(follow_symlinks=False):
                    (pending if descend else subfolders).append((entry.path, relative))
                elif name.endswith(".yaml") and entry.is_file(follow_symlinks=False):
                    resources.append(relative)
                    if signatures:
                        stats[relative] = stat_signature(entry.stat(follow_symlinks=False))
                else:
                    strays.append(relative)
    return resources, strays, stats, subfolders


def is_resource_entry(mode: str, path: str) -> bool:
    """Whether git's entry for ``path`` (a file of mode ``mode``) is one the folder walk
    would take for a resource file: a regular ``.yaml`` file under ``data/resources``,
    with no hidden part."""
    return (
        mode in _GIT_FILE_MODES
        and path.startswith(f"{RESOURCES_DIR}/")
        and path.endswith(".yaml")
        and "/." not in path
    )


def stat_signature(info: os.stat_result) -> str:
    """``<mtime ns>:<ctime ns>:<size>:<inode>:<device>``: changes whenever a file is
    written or replaced (a change time cannot be set back)."""
    return f"{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_size}:{info.st_ino}:{info.st_dev}"


def read_capped(path: str | Path) -> bytes:
    """A file's bytes, stopping one byte past the size limit so huge files cost nothing.

    Unbuffered ``os.read`` on purpose: this runs once per file on the hot path. It asks
    for the size the file has (a buffer of the limit's size costs a mapping per read,
    three times the read), and reads on if the file has grown since.
    """
    # a link is never read; a FIFO put in a file's place after the walk never blocks
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        data = os.read(descriptor, min(info.st_size, MAX_FILE_BYTES) + 1)
        if len(data) > info.st_size:  # it has grown since fstat: read on, to the limit
            while len(data) <= MAX_FILE_BYTES:
                more = os.read(descriptor, MAX_FILE_BYTES + 1 - len(data))
                if not more:
                    break
                data += more
        return data
    finally:
        os.close(descriptor)


def linked_part(root: Path | str, relative: str) -> str | None:
    """The first part of ``relative`` (a POSIX path under ``root``) that is a symbolic
    link, or None. Parts that do not exist end the search: nothing is behind them."""
    current = os.fspath(root)
    parts = relative.split("/")
    for index, part in enumerate(parts):
        current = f"{current}/{part}"
        try:
            info = os.lstat(current)
        except OSError:
            return None
        if stat.S_ISLNK(info.st_mode):
            return "/".join(parts[: index + 1])
        if not stat.S_ISDIR(info.st_mode):
            return None
    return None


def is_folder_link(linked: str) -> bool:
    """Whether a linked path stands where the registry keeps a folder: ``data``, a data
    folder, or a shard folder in one (a name without ``.yaml``)."""
    parent = linked.rpartition("/")[0]
    shard = parent in (RESOURCES_DIR, TOMBSTONES_DIR) and not linked.endswith(".yaml")
    return linked in DATA_FOLDERS or shard


def link_finding(root: Path | str, relative: str) -> Finding:
    """P018 (a file) or P019 (a folder): ``relative``, or a folder on its way, is a link."""
    linked = linked_part(root, relative) or relative
    folder = is_folder_link(linked) or linked != relative
    code, what = ("P019", "folder") if folder else ("P018", "file")
    return Finding(
        linked,
        0,
        0,
        code,
        Severity.ERROR,
        f"registry {what} `{linked}` is a symbolic link; nothing was read through it",
        f"replace the link with the real {what}: registry data must live in the checkout",
    )


class LinkError(RegistryError):
    """A path the command would read or write is, or lies behind, a symbolic link."""


def refuse_links(root: Path | str, relative: str) -> None:
    """Raise :class:`LinkError` when ``relative`` is or lies behind a link: a command
    that writes there would write outside the checkout, or read through the link."""
    if linked_part(root, relative):
        problem = link_finding(root, relative)
        raise LinkError(f"refusing `{relative}`: {problem.message} ({problem.code})")
