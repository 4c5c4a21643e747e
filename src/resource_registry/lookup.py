"""Finding resources by URL (exact or normalized), `id` or stable ID."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from resource_registry import layout, urls
from resource_registry.loading import Document, read_document
from resource_registry.records import ResourceKey
from resource_registry.redirects import resolve_all
from resource_registry.validation import Options, file_results

_STABLE_ID: Final = re.compile(r"sid_[0-9A-Za-z]{10}")
_ID: Final = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True, slots=True)
class Match:
    """A live resource (``path``) or a retired one (``tombstone``), and how it matched."""

    how: str
    path: str | None = None
    tombstone: dict[str, Any] | None = None


def all_keys(root: Path, *, cache: bool = True) -> list[ResourceKey]:
    options = Options(cache=cache)
    results, _ = file_results(root, layout.discover(root, signatures=cache), options)
    return [result.key for result in results if result.key]


def tombstones(root: Path) -> list[dict[str, Any]]:
    """The entries of ``data/tombstones.yaml`` that are mappings (validation checks the rest)."""
    try:
        parsed = read_document(layout.read_capped(root / layout.TOMBSTONES))
    except FileNotFoundError:
        return []
    if not isinstance(parsed, Document) or not isinstance(parsed.data, list):
        return []
    return [entry for entry in parsed.data if isinstance(entry, dict)]


def find(query: str, keys: Sequence[ResourceKey], retired: Sequence[dict[str, Any]]) -> list[Match]:
    """Every resource the query names: by stable ID (ignoring case), `id`, URL or
    normalized URL; retired resources are included with their tombstone."""
    query = query.strip()
    if _STABLE_ID.fullmatch(query):
        wanted = query.lower()
        live = [
            Match("stable_id", key.path) for key in keys if (key.stable_id or "").lower() == wanted
        ]
        dead = [
            Match("stable_id", tombstone=t)
            for t in retired
            if str(t.get("stable_id", "")).lower() == wanted
        ]
        return live + dead
    if _ID.fullmatch(query):
        live = [Match("id", key.path) for key in keys if key.id == query]
        return live + [Match("id", tombstone=t) for t in retired if t.get("id") == query]
    exact = [Match("url", key.path) for key in keys if query in (key.url, *key.previous_urls)]
    if exact:
        return exact
    normal = urls.normalize(query)
    near = [Match("normalized url", key.path) for key in keys if key.normal_url == normal]
    dead = [Match("url", tombstone=t) for t in retired if t.get("url") == query]
    return near + dead


def describe_retired(
    stone: dict[str, Any], keys: Sequence[ResourceKey], retired: Sequence[dict[str, Any]]
) -> str:
    """One line: when and why it was retired, and where it leads now."""
    live = {key.stable_id: key.path for key in keys if key.stable_id}
    redirect = resolve_all(retired, live.keys()).get(str(stone.get("stable_id")))
    head = f"# retired {stone.get('retired')}: {stone.get('stable_id')} ({stone.get('reason')})"
    if redirect is None or not redirect.chain:
        return head + "; withdrawn"
    if redirect.target is None:
        return (
            head + f"; replaced by {redirect.chain[0]}, whose chain is broken ({redirect.broken})"
        )
    via = f" via {' → '.join(redirect.chain[:-1])}" if len(redirect.chain) > 1 else ""
    return head + f"; replaced by {redirect.target}{via}: {live[redirect.target]}"
