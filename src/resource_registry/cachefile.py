"""The cache folder: where it is, its files (named sections of bytes, each checked when
it is read), and the lock of commands that change the registry, which lives there too.

The folder is never in the work tree, where a contributor could commit a forged one:
in a git checkout it is ``resreg-cache`` in git's own directory (which no commit can
write), elsewhere ``$XDG_CACHE_HOME/resource-registry/<hash of the registry root>``
(``~/.cache`` by default). See :func:`cache_dir`.

A warm run needs a few small sections of a file that holds tens of megabytes at 100,000
resources, so each section carries its own checksum and is verified only when read;
the header (which names the sections) has its own. The layout is::

    magic | header length (4 bytes) | sha256 of the header | header | sections...

where the header is a marshalled ``{"meta": {...}, "sections": {name: (offset, length,
sha256)}}``, offsets counted from the end of the header. Writes are atomic (a temporary
file and a rename) and not fsynced: a cache lost to a power cut is only rebuilt. This
module imports nothing heavy, so that a command can read a header before the rest of
the package is loaded.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import marshal
import mmap
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from resource_registry.fsutil import atomic_write

GIT_CACHE_DIR: Final = "resreg-cache"  # in git's directory
USER_CACHE_DIR: Final = "resource-registry"  # in the user's cache directory
RESULTS_FILE: Final = "validate-v5.bin"
CATALOG_FILE: Final = "catalog-v3.bin"
JOURNAL_FILE: Final = "journal-v2.bin"
_MAGIC: Final = b"RESREG-CACHE-4\n"
_LENGTH: Final = 4
_DIGEST: Final = 32
_PREFIX: Final = len(_MAGIC) + _LENGTH + _DIGEST
_UNREADABLE: Final = (EOFError, ValueError, TypeError)  # what marshal raises on bad data


_FOLDERS: dict[
    tuple[Path, bool], Path
] = {}  # registry root -> its cache folder, found once per process


def cache_dir(root: Path) -> Path:
    """The cache folder of the registry at ``root``: never under the work tree.

    In a git checkout: ``<git dir>/resreg-cache``, in the checkout's own git directory
    (a linked worktree's is ``.git/worktrees/<name>``), because the saved results
    describe this checkout's files (their anchor and stat signatures): two worktrees
    sharing one folder would overwrite each other's. A registry below the top of its
    checkout gets a subfolder named by its path there. Outside git:
    ``$XDG_CACHE_HOME/resource-registry/<sha256 of the resolved root>``."""
    resolved = root.resolve()
    key = (resolved, os.path.lexists(resolved / ".git"))  # a `git init` since moves it
    if key not in _FOLDERS:
        _FOLDERS[key] = _git_cache_dir(resolved) or _user_cache_dir(resolved)
    return _FOLDERS[key]


def _git_cache_dir(root: Path) -> Path | None:
    git = shutil.which("git")
    if git is None:
        return None
    done = subprocess.run(
        [git, "-C", str(root), "rev-parse", "--absolute-git-dir", "--show-toplevel"],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    lines = os.fsdecode(done.stdout).splitlines()
    if done.returncode != 0 or len(lines) != 2:  # not a checkout (or a bare repository)
        return None
    folder = Path(lines[0]) / GIT_CACHE_DIR
    if Path(lines[1]).resolve() != root:
        inside = root.relative_to(Path(lines[1]).resolve()).as_posix()
        folder /= "sub-" + hashlib.sha256(inside.encode()).hexdigest()[:16]
    return folder


def _user_cache_dir(root: Path) -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "")
    home = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return home / USER_CACHE_DIR / hashlib.sha256(os.fsencode(root)).hexdigest()[:32]


class CorruptCacheError(Exception):
    """A cache file or section whose checksum is wrong: it is rebuilt, never trusted."""


class CacheFile:
    """An open cache file: its ``meta`` and its sections, each verified when read."""

    def __init__(self, sections: memoryview, meta: dict[str, Any], table: dict[str, Any]) -> None:
        self._data = sections
        self.meta = meta
        self._table = table

    def blob(self, name: str) -> bytes:
        """The bytes of section ``name``; raises :class:`CorruptCacheError` if damaged."""
        return bytes(self._section(name))

    def load(self, name: str) -> Any:
        """Section ``name``, unmarshalled."""
        try:
            return marshal.loads(self._section(name))
        except _UNREADABLE as error:  # pragma: no cover - reason: its checksum passed
            raise CorruptCacheError(name) from error

    def _section(self, name: str) -> memoryview:
        try:
            offset, length, digest = self._table[name]
            section = self._data[offset : offset + length]
        except (KeyError, TypeError, ValueError) as error:
            raise CorruptCacheError(name) from error
        if len(section) != length or hashlib.sha256(section).digest() != digest:
            raise CorruptCacheError(name)
        return section


def read(path: Path) -> CacheFile | None:
    """The cache file at ``path``; None if there is none. Raises
    :class:`CorruptCacheError` when its header is damaged or it is not a cache file."""
    try:
        with path.open("rb") as file:
            # mapped, not read: a run reads only the sections it needs of tens of megabytes
            data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    except ValueError as error:  # an empty file cannot be mapped
        raise CorruptCacheError("empty") from error
    except OSError:
        return None
    meta, table, end = _header(memoryview(data))
    return CacheFile(memoryview(data)[end:], meta, table)


def read_meta(path: Path) -> dict[str, Any] | None:
    """Only the ``meta`` of the cache file at ``path`` (reading only its header); None if
    it is absent or damaged."""
    try:
        with path.open("rb") as file:
            prefix = file.read(_PREFIX)
            length = int.from_bytes(prefix[len(_MAGIC) : len(_MAGIC) + _LENGTH], "big")
            return _header(prefix + file.read(length))[0]
    except (OSError, CorruptCacheError):
        return None


def _header(data: bytes | memoryview) -> tuple[dict[str, Any], dict[str, Any], int]:
    """The meta and the section table of a cache file, and where its sections start."""
    length = int.from_bytes(data[len(_MAGIC) : len(_MAGIC) + _LENGTH], "big")
    header = data[_PREFIX : _PREFIX + length]
    if (
        bytes(data[: len(_MAGIC)]) != _MAGIC
        or len(header) != length
        or hashlib.sha256(header).digest() != data[_PREFIX - _DIGEST : _PREFIX]
    ):
        raise CorruptCacheError("header")
    try:
        parsed = marshal.loads(header)
        return dict(parsed["meta"]), dict(parsed["sections"]), _PREFIX + length
    except (*_UNREADABLE, KeyError) as error:  # pragma: no cover - reason: checksum passed
        raise CorruptCacheError("header") from error


def anchor(root: Path) -> str | None:
    """The git tree the saved per-file results were taken from, if any (the journal's,
    when warm runs moved them onto a later one since): a command can ask git what
    changed since, before it loads the rest of the package."""
    meta = read_meta(cache_dir(root) / RESULTS_FILE)
    if meta is None:
        return None
    found = meta.get("anchor")
    journal = read_meta(cache_dir(root) / JOURNAL_FILE) or {}
    if journal.get("tree") and journal.get("base") == meta.get("generation"):
        found = journal["tree"]
    return found if isinstance(found, str) and found else None


def write(path: Path, meta: Mapping[str, Any], sections: Mapping[str, bytes]) -> None:
    """Write a cache file atomically; its folder is created. Raises :class:`OSError`
    when it cannot be written."""
    table: dict[str, tuple[int, int, bytes]] = {}
    offset = 0  # from the end of the header
    for name, blob in sections.items():
        table[name] = (offset, len(blob), hashlib.sha256(blob).digest())
        offset += len(blob)
    header = marshal.dumps({"meta": dict(meta), "sections": table})
    _make_folder(path.parent)
    prefix = _MAGIC + len(header).to_bytes(_LENGTH, "big") + hashlib.sha256(header).digest()
    atomic_write(path, b"".join([prefix, header, *sections.values()]), durable=False)


def _make_folder(folder: Path) -> None:
    """The cache folder, readable by its owner only."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


_HELD: set[Path] = set()


@contextlib.contextmanager
def registry_lock(root: Path) -> Iterator[None]:
    """An exclusive lock for commands that change the registry (a lock file in the cache
    folder). A process that holds it may take it again: a command can lock before it
    loads the code that locks."""
    key = root.resolve()
    if key in _HELD:
        yield
        return
    _make_folder(cache_dir(root))
    descriptor = os.open(cache_dir(root) / "registry.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        _HELD.add(key)
        yield
    finally:
        _HELD.discard(key)
        os.close(descriptor)
