"""Where retired identifiers lead: follow `replaced_by` chains to a live resource."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Redirect:
    """A retired stable ID's destination: a live stable ID, or None when withdrawn.

    ``broken`` says why a chain does not end at a live resource ("cycle" or "dangling").
    """

    stable_id: str
    id: str | None
    target: str | None
    chain: tuple[str, ...] = ()
    broken: str | None = None


def resolve_all(tombstones: Sequence[Mapping[str, Any]], live: Set[str]) -> dict[str, Redirect]:
    """Every tombstone's redirect, keyed by retired stable ID."""
    successors = {str(s.get("stable_id")): s.get("replaced_by") for s in tombstones}
    ids = {str(s.get("stable_id")): s.get("id") for s in tombstones}
    return {sid: _follow(sid, ids.get(sid), successors, live) for sid in successors}


def _follow(
    stable_id: str, id_: object, successors: Mapping[str, object], live: Set[str]
) -> Redirect:
    chain: list[str] = []
    current: object = successors.get(stable_id)
    seen = {stable_id}
    while isinstance(current, str):
        chain.append(current)
        if current in live:
            return Redirect(stable_id, _str(id_), current, tuple(chain))
        if current in seen:
            return Redirect(stable_id, _str(id_), None, tuple(chain), "cycle")
        if current not in successors:
            return Redirect(stable_id, _str(id_), None, tuple(chain), "dangling")
        seen.add(current)
        current = successors[current]
    return Redirect(stable_id, _str(id_), None, tuple(chain))


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None
