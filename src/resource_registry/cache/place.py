"""Where the cache lives and what its results are keyed by, and the registry lock.

The folder is never in the work tree, where a contributor could commit a forged cache:
in a git checkout it is ``resreg-cache/`` in the repository's common git directory
(results depend on content only, so worktrees share them), elsewhere
``$XDG_CACHE_HOME/resource-registry/<hash of the root>``. The fingerprint covers every
file of the package at any depth, the schema version, and the versions of pydantic-core,
PyYAML and libyaml.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from resource_registry.base import git

PACKAGE_DIR: Final = Path(__file__).parent.parent  # the whole package, every room
GIT_CACHE_DIR: Final = "resreg-cache"  # in git's common directory
USER_CACHE_DIR: Final = "resource-registry"  # in the user's cache directory

_FOLDERS: dict[tuple[Path, bool], Path] = {}  # found once per process


def cache_dir(root: Path) -> Path:
    """The cache folder of the registry at ``root``, never under its work tree: in a git
    checkout ``<common git dir>/resreg-cache``, else ``$XDG_CACHE_HOME/resource-registry/
    <sha256 of the resolved root>`` (``~/.cache`` by default)."""
    resolved = root.resolve()
    key = (resolved, os.path.lexists(resolved / ".git"))  # a `git init` since moves it
    if key not in _FOLDERS:
        _FOLDERS[key] = _git_cache_dir(resolved) or _user_cache_dir(resolved)
    return _FOLDERS[key]


def _git_cache_dir(root: Path) -> Path | None:
    asked = ["--is-inside-work-tree", "--path-format=absolute", "--git-common-dir"]
    answer = git.output(root, "rev-parse", *asked)
    lines = os.fsdecode(answer or b"").splitlines()
    if lines[:1] != ["true"] or len(lines) != 2:  # not a checkout
        return None
    return Path(lines[1]) / GIT_CACHE_DIR


def _user_cache_dir(root: Path) -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "")
    home = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return home / USER_CACHE_DIR / hashlib.sha256(os.fsencode(root)).hexdigest()[:32]


def fingerprint() -> str:
    """Changes whenever anything that shapes a result does (see the module's docstring)."""
    return _code_fingerprint(PACKAGE_DIR, dependency_versions())


@functools.cache
def _code_fingerprint(package: Path, versions: str) -> str:
    digest = hashlib.sha256(versions.encode() + b"\0")
    for source in sorted(package.rglob("*")):
        if source.is_file() and "__pycache__" not in source.parts:
            relative = source.relative_to(package).as_posix()
            digest.update(relative.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.cache
def dependency_versions() -> str:
    """The schema version and the versions of the libraries whose answers are cached."""
    # imported here: only a run that uses its cache pays for it (as parsing would)
    import pydantic_core  # noqa: PLC0415 - reason: as above
    import yaml  # noqa: PLC0415 - reason: as above
    from yaml import _yaml  # noqa: PLC0415 - reason: the C parser, for its libyaml version

    models = (PACKAGE_DIR / "record" / "models.py").read_text(encoding="utf-8")
    schema = re.search(r'^SCHEMA_VERSION: Final = "([^"]*)"', models, re.MULTILINE)
    return " ".join(
        (
            f"schema={schema.group(1) if schema else '?'}",
            f"pydantic-core={pydantic_core.__version__}",
            f"PyYAML={yaml.__version__}",
            f"libyaml={_yaml.get_version_string()}",
        )
    )


_HELD: set[Path] = set()


@contextlib.contextmanager
def registry_lock(root: Path) -> Iterator[None]:
    """An exclusive lock for commands that change the registry (a file in the cache
    folder). A process that holds it may take it again."""
    key = root.resolve()
    if key in _HELD:
        yield
        return
    cache_dir(root).mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(cache_dir(root) / "registry.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        _HELD.add(key)
        yield
    finally:
        _HELD.discard(key)
        os.close(descriptor)
