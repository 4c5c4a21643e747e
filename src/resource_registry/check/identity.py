"""A resource file's identity: where it lives (`shard_path`), the rules on its stable ID,
file name and `id` (I001, I002, I006), and its `ResourceKey`, even from a broken file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from resource_registry.check.file_result import ProblemStream, ResourceKey, string_items
from resource_registry.record import urls
from resource_registry.record.layout import RESOURCES_DIR
from resource_registry.record.salvage import salvage_identity


def shard_path(stable_id: str) -> str:
    """Where a resource file lives, relative to the registry root."""
    return f"{RESOURCES_DIR}/{stable_id[4:6].lower()}/{stable_id}.yaml"


def identity_problems(path: str, record: Mapping[str, object]) -> ProblemStream:
    stable_id = str(record["stable_id"])
    folder, _, name = path.rpartition("/")
    if name != f"{stable_id}.yaml":
        yield (
            "I001",
            ("stable_id",),
            f"stable_id `{stable_id}` does not match the file name `{name}`",
            f"rename the file to `{stable_id}.yaml`",
        )
    expected = shard_path(stable_id)
    if folder != expected.rpartition("/")[0]:
        yield (
            "I002",
            ("stable_id",),
            f"file belongs in `{expected.rpartition('/')[0]}/`",
            f"move it to `{expected}`",
        )
    recorded = [str(record["url"]), *string_items(record.get("previous_urls"))]
    if str(record["id"]) not in {urls.resource_id(url) for url in recorded}:
        yield (
            "I006",
            ("id",),
            f"id `{record['id']}` is not the hash of `url` or of a previous URL",
            "the id is permanent: restore the URL it was made from, or, if the URL was "
            "corrected, keep the old one in `previous_urls`",
        )


def key_of(path: str, data: Mapping[object, object]) -> ResourceKey:
    """A file's identity read without checking it (see :func:`record_key`), for lookups."""
    return record_key(path, data, with_references=True)


def _string(value: object) -> str | None:
    return value if isinstance(value, str) else None


_STABLE_ID_FILE_NAME: Final = re.compile(r"(sid_[0-9A-Za-z]{10})\.yaml")


def salvaged_key(path: str, data: bytes) -> ResourceKey | None:
    """The identity still readable from a file that does not parse (or is not a
    mapping): the stable ID from its name, and `url` and `id` from their own lines
    (:func:`loading.salvage_identity`). It keeps the file's identifiers taken: lookups find
    it, `new` refuses its URL, and no redirect to it looks broken. None when nothing can
    be read."""
    named = _STABLE_ID_FILE_NAME.fullmatch(path.rpartition("/")[2])
    lines = salvage_identity(data)
    if named is None and not lines:
        return None
    url = lines.get("url")
    return ResourceKey(
        path=path,
        stable_id=named.group(1) if named else None,
        id=lines.get("id"),
        url=url,
        normal_url=urls.normalize(url) if url else None,
        previous_urls=(),
        publication=None,
        tags=(),
        cited_by=(),
    )


def record_key(path: str, data: Mapping[object, object], *, with_references: bool) -> ResourceKey:
    """Best-effort identity of a file, even one that failed its schema, so that collisions
    are still found. References are kept only from valid records: a value the schema
    already rejected would be reported twice."""
    url = _string(data.get("url"))
    return ResourceKey(
        path=path,
        stable_id=_string(data.get("stable_id")),
        id=_string(data.get("id")),
        url=url,
        normal_url=urls.normalize(url) if url else None,
        previous_urls=tuple(string_items(data.get("previous_urls"))),
        publication=_string(data.get("publication")) if with_references else None,
        tags=tuple(string_items(data.get("tags"))) if with_references else (),
        cited_by=tuple(string_items(data.get("cited_by"))) if with_references else (),
    )
