"""What a page's mention points at in the registry: live resources, or a retired one.

A component's id is a stable ID (compared ignoring case, as stable IDs are unique) or a
resource `id`. A link's URL matches a resource's `url` or one of its `previous_urls`,
exactly or after the registry's URL normalization (:func:`urls.normalize`); a retired
resource's URL or IDs lead to its successor through the tombstones' `replaced_by`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from resource_registry.check.catalog_rules import KeyTable
from resource_registry.record import urls
from resource_registry.record.redirects import Redirect, resolve_all

_STABLE_ID: Final = re.compile(r"sid_[0-9A-Za-z]{10}")


@dataclass(frozen=True, slots=True)
class Resolved:
    """The live resources (rows of the table) a mention names, and how it matched; for
    a retired resource, its tombstone and where it leads (``rows`` then holds the
    successor, if it is live)."""

    rows: tuple[int, ...]
    how: str
    retired: Mapping[str, Any] | None = None
    redirect: Redirect | None = None


class Targets:
    """Lookups over the registry's identities and tombstones, built once per run."""

    def __init__(self, table: KeyTable, tombstones: Sequence[Mapping[str, Any]]) -> None:
        self.table = table
        self._by_stable_id = _index(sid.lower() for sid in table.stable_ids)
        self._by_id = _index(table.ids)
        self._by_url = _index(table.urls)
        self._by_normal = _index(table.normal_urls)
        self._by_previous: dict[str, list[int]] = defaultdict(list)
        self._by_previous_normal: dict[str, list[int]] = defaultdict(list)
        for row, previous in enumerate(table.previous_urls):
            for url in previous:
                self._by_previous[url].append(row)
                self._by_previous_normal[urls.normalize(url)].append(row)
        live = {sid for sid in table.stable_ids if sid}
        self._redirects = resolve_all(list(tombstones), live)
        self._row_of_live = {sid: row for row, sid in enumerate(table.stable_ids) if sid}
        self._stones_by_key: dict[str, Mapping[str, Any]] = {}
        for stone in tombstones:
            for key in _stone_keys(stone):
                self._stones_by_key.setdefault(key, stone)
        self._normalized: dict[str, str] = {}

    def by_id(self, value: str) -> Resolved | None:
        """A component's id: a stable ID or a resource `id`."""
        if _STABLE_ID.fullmatch(value):
            rows = self._by_stable_id.get(value.lower())
            return Resolved(tuple(rows), "stable ID") if rows else self._retired("sid:" + value)
        rows = self._by_id.get(value)
        return Resolved(tuple(rows), "id") if rows else self._retired("id:" + value)

    def by_url(self, url: str) -> Resolved | None:
        """A link's URL: the resources it is the URL or a previous URL of, exactly, else
        after normalization; else the retired resource it was the URL of."""
        if rows := self._by_url.get(url):
            return Resolved(tuple(rows), "url")
        if rows := self._by_previous.get(url):
            return Resolved(tuple(rows), "previous url")
        normal = self._normal(url)
        if rows := self._by_normal.get(normal):
            return Resolved(tuple(rows), "normalized url")
        if rows := self._by_previous_normal.get(normal):
            return Resolved(tuple(rows), "normalized previous url")
        return self._retired("url:" + url) or self._retired("normal:" + normal)

    def _normal(self, url: str) -> str:
        normal = self._normalized.get(url)
        if normal is None:
            normal = self._normalized[url] = urls.normalize(url)
        return normal

    def _retired(self, key: str) -> Resolved | None:
        stone = self._stones_by_key.get(key.lower() if key.startswith("sid:") else key)
        if stone is None:
            return None
        redirect = self._redirects.get(str(stone.get("stable_id")))
        target = redirect.target if redirect else None
        rows = (self._row_of_live[target],) if target in self._row_of_live else ()
        return Resolved(rows, "retired", stone, redirect)


def _index(values: Sequence[str] | Any) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for row, value in enumerate(values):
        if value:
            index[value].append(row)
    return dict(index)


def _stone_keys(stone: Mapping[str, Any]) -> list[str]:
    keys = []
    if isinstance(stable_id := stone.get("stable_id"), str):
        keys.append("sid:" + stable_id.lower())
    if isinstance(id_ := stone.get("id"), str):
        keys.append("id:" + id_)
    if isinstance(url := stone.get("url"), str):
        keys += ["url:" + url, "normal:" + urls.normalize(url)]
    return keys
