"""Finding resources by URL (exact or normalized), `id` or stable ID."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Final

from resource_registry.check import tombstones as tombstone_files
from resource_registry.check.catalog_rules import Identities
from resource_registry.record import layout, urls
from resource_registry.record.reader import Document, read_document
from resource_registry.record.redirects import resolve_all
from resource_registry.registry import validate as validation

_STABLE_ID: Final = re.compile(r"sid_[0-9A-Za-z]{10}")
_ID: Final = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True, slots=True)
class Match:
    """A live resource (``path``) or a retired one (``tombstone``), and how it matched."""

    how: str
    path: str | None = None
    tombstone: dict[str, Any] | None = None


def identities(root: Path, *, cache: bool = True) -> Identities:
    """The identity of every resource file (files that do not parse have empty rows):
    from the cache, which checks and keeps the files it lacks as validation does; with
    ``cache`` off, read without checking them."""
    return Identities.of(validation.identities(root, use_cache=cache))


def tombstones(root: Path) -> list[dict[str, Any]]:
    """Every tombstone that is a mapping (validation checks the rest)."""
    return tombstone_files.read_all(root)


def parses(root: Path, path: str) -> bool:
    """Whether a matched resource file parses as a mapping: one that does not is still
    found by the identity read from its name and lines, and should say so."""
    try:
        parsed = read_document(layout.read_capped(root / path))
    except OSError:
        return False
    return isinstance(parsed, Document) and isinstance(parsed.data, dict)


def find(query: str, table: Identities, retired: Sequence[dict[str, Any]]) -> list[Match]:
    """Every resource the query names: by stable ID (ignoring case), `id`, URL or
    normalized URL; retired resources are included with their tombstone."""
    query = query.strip()
    if _STABLE_ID.fullmatch(query):
        wanted = query.lower()
        rows = [row for row, sid in enumerate(table.stable_ids) if sid.lower() == wanted]
        dead = [t for t in retired if str(t.get("stable_id", "")).lower() == wanted]
        return _matches("stable_id", table, rows, dead)
    if _ID.fullmatch(query):
        rows = _rows(table.ids, query)
        return _matches("id", table, rows, [t for t in retired if t.get("id") == query])
    exact = _rows(table.urls, query)
    if query in chain.from_iterable(table.previous_urls):  # in C; most rows have none
        exact += [row for row, previous in enumerate(table.previous_urls) if query in previous]
    if exact:
        return _matches("url", table, sorted(set(exact)), [])
    near = _rows(table.normal_urls, urls.normalize(query))
    return _matches("normalized url", table, near, [t for t in retired if t.get("url") == query])


def _rows(column: Sequence[str], value: str) -> list[int]:
    return [row for row, item in enumerate(column) if item == value] if value in column else []


def _matches(
    how: str, table: Identities, rows: Sequence[int], dead: Sequence[dict[str, Any]]
) -> list[Match]:
    return [Match(how, table.paths[row]) for row in rows] + [Match(how, tombstone=t) for t in dead]


def describe_retired(
    stone: dict[str, Any], table: Identities, retired: Sequence[dict[str, Any]]
) -> str:
    """One line: when and why it was retired, and where it leads now."""
    live = {sid: path for sid, path in zip(table.stable_ids, table.paths, strict=True) if sid}
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
