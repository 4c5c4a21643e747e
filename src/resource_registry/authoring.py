"""Changing the registry: adding a resource (``resreg new``).

Identity is minted here and nowhere else: a stable ID from the operating system's
CSPRNG, and the `id` from the URL as first recorded.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import string
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final

from resource_registry import lookup, urls
from resource_registry.canonical import RESOURCE_ORDER, render
from resource_registry.errors import RegistryError, UsageError
from resource_registry.formatting import tag_aliases
from resource_registry.fsutil import atomic_write
from resource_registry.models import RESOURCE_TYPES
from resource_registry.records import shard_path
from resource_registry.vocabulary import vocabulary_ids

STABLE_ID_ALPHABET: Final = string.digits + string.ascii_letters
CACHE_DIR: Final = ".resreg-cache"
_MINT_ATTEMPTS: Final = 100


class DuplicateError(RegistryError):
    """The URL is already in the registry."""


def mint_stable_id(taken_lowercase: set[str]) -> str:
    """A fresh stable ID that differs, ignoring case, from every one in ``taken_lowercase``."""
    for _ in range(_MINT_ATTEMPTS):
        candidate = "sid_" + "".join(secrets.choice(STABLE_ID_ALPHABET) for _ in range(10))
        if candidate.lower() not in taken_lowercase:
            return candidate
    raise RegistryError(
        "could not mint an unused stable ID"
    )  # pragma: no cover - reason: 62^10 IDs


def new_resource(
    root: Path,
    url: str,
    *,
    title: str,
    type_: str = "web",
    tags: Sequence[str] = (),
    cited_by: Sequence[str] = (),
) -> Path:
    """Create a canonical resource file for ``url``; return its path.

    Refuses a URL that is already recorded (exactly or after normalization), unknown
    tags and pages, and a malformed URL. Runs under a lock, so that concurrent runs
    cannot both add one URL; the file appears whole or not at all.
    """
    _check_arguments(root, url, title, type_, tags, cited_by)
    aliases = tag_aliases(root)
    with registry_lock(root):
        keys = lookup.all_keys(root)
        retired = lookup.tombstones(root)
        if matches := lookup.find(url, keys, []):
            existing = next(key for key in keys if key.path == matches[0].path)
            raise DuplicateError(
                f"{url} is already in the registry as {existing.stable_id} "
                f"({matches[0].how} match): {existing.path}"
            )
        new_id = urls.resource_id(url)
        if gone := next((stone for stone in retired if stone.get("id") == new_id), None):
            raise DuplicateError(
                f"{url} belongs to the retired resource {gone.get('stable_id')} "
                f"({gone.get('reason', 'no reason given')}); retired IDs never come back"
            )
        taken = {key.stable_id.lower() for key in keys if key.stable_id}
        taken |= {str(stone.get("stable_id", "")).lower() for stone in retired}
        while True:
            stable_id = mint_stable_id(taken)
            record: dict[str, object] = {
                "stable_id": stable_id,
                "id": urls.resource_id(url),
                "url": url,
                "title": title.strip(),
                "type": type_,
            }
            if tags:
                record["tags"] = sorted({aliases.get(tag, tag) for tag in tags})
            if cited_by:
                record["cited_by"] = sorted(set(cited_by))
            path = root / shard_path(stable_id)
            try:
                atomic_write(path, render(record, RESOURCE_ORDER).encode(), exclusive=True)
            except FileExistsError:  # pragma: no cover - reason: a collision needs 62^10 luck
                taken.add(stable_id.lower())
                continue
            return path


@contextlib.contextmanager
def registry_lock(root: Path) -> Iterator[None]:
    """An exclusive lock for commands that change the registry (git-ignored lock file)."""
    folder = root / CACHE_DIR
    folder.mkdir(exist_ok=True)
    descriptor = os.open(folder / "registry.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _check_arguments(
    root: Path, url: str, title: str, type_: str, tags: Sequence[str], cited_by: Sequence[str]
) -> None:
    if problem := urls.shape_problem(url):
        detail = (
            "contains credentials" if problem == "credentials" else "is not an absolute http(s) URL"
        )
        raise UsageError(f"{url} {detail}")
    if not title.strip():
        raise UsageError("the title must not be empty")
    if type_ not in RESOURCE_TYPES:
        raise UsageError(f"unknown type `{type_}`; one of: {', '.join(RESOURCE_TYPES)}")
    known = vocabulary_ids(root)
    aliases = tag_aliases(root)
    unknown = [f"tag `{tag}`" for tag in tags if tag not in known["tags"] and tag not in aliases]
    unknown += [f"page `{page}`" for page in cited_by if page not in known["pages"]]
    if unknown:
        raise UsageError(
            f"unknown {', '.join(unknown)}; add them to data/tags.yaml or data/pages.yaml first"
        )
