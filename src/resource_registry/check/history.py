"""History checks against a base commit (``resreg validate --base REF``).

Identifiers are permanent. Compared with the registry where HEAD's history left REF's
(their merge base, as ``git diff REF...HEAD``, so that what REF changed since is not
blamed on this branch; :func:`gitrepo.merge_base`), the working tree must not:
change a file's `stable_id` or `id` (H001), lose a resource without a tombstone (H002),
remove or edit a tombstone (H003), bring a retired identifier back (H004), move a
resource to another file (H005), or change a URL without keeping the old one in
`previous_urls` (H006).

Only what differs from REF is read from git, so the cost follows the size of the change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from resource_registry.base import git as gitrepo
from resource_registry.base.findings import Finding
from resource_registry.check import tombstones as tombstone_files
from resource_registry.check.catalog_rules import issue
from resource_registry.check.file_result import ResourceKey
from resource_registry.check.tombstones import Stone
from resource_registry.record import layout
from resource_registry.record.layout import RESOURCES_DIR
from resource_registry.record.reader import Document, read_document


@dataclass(frozen=True, slots=True)
class _Old:
    """What a resource file said at the base commit."""

    path: str
    stable_id: str | None
    id: str | None
    url: str | None


def check_history(
    root: Path, base: str, keys: Sequence[ResourceKey], stones: Sequence[Stone]
) -> list[Finding]:
    """Issues of the working tree against commit ``base`` (validation passes the merge base).

    ``stones``: the tombstones of the working tree, where they are.
    """
    commit = gitrepo.resolve(root, base)
    base_paths = set(gitrepo.list_files(root, commit, RESOURCES_DIR))
    current = {key.path: key for key in keys}
    touched = set(gitrepo.changed_files(root, commit, RESOURCES_DIR)) & base_paths
    removed = base_paths - current.keys()
    kept, unread = _base_tombstones(root, commit, stones)
    old_files = gitrepo.read_files(root, commit, sorted(touched | removed | unread))
    old_stones = kept + tombstone_files.stones_of(
        {path: old_files.pop(path) for path in unread if path in old_files}
    )
    old_tombstones = [stone.entry for stone in old_stones]
    old = {path: _old(path, data) for path, data in old_files.items()}
    issues: list[Finding] = []
    issues += _changed_identity(old, current)
    issues += _removed(old, removed, current, [stone.entry for stone in stones])
    issues += _tombstones_kept(old_stones, stones)
    issues += _retired_back(old_tombstones, keys)
    return issues


def _base_tombstones(
    root: Path, commit: str, stones: Sequence[Stone]
) -> tuple[list[Stone], set[str]]:
    """The base's tombstones in files unchanged since (as they are now), and the files
    to read from git for the others: changed or removed ones, and the old single file.
    Unchanged tombstone files are not read again: the cost follows the change."""
    at_base = set(gitrepo.list_files(root, commit, layout.TOMBSTONES_DIR))
    changed = set(gitrepo.changed_files(root, commit, layout.TOMBSTONES_DIR))
    now = {stone.path: stone for stone in stones if stone.path != layout.LEGACY_TOMBSTONES}
    unchanged = {path for path in at_base - changed if path in now}
    kept = [now[path] for path in sorted(unchanged)]
    return kept, (at_base - unchanged) | {layout.LEGACY_TOMBSTONES}


def _changed_identity(
    old: Mapping[str, _Old], current: Mapping[str, ResourceKey]
) -> Iterator[Finding]:
    for path, before in old.items():
        now = current.get(path)
        if now is None:
            continue
        for field in ("stable_id", "id"):
            was, is_ = getattr(before, field), getattr(now, field)
            if was and is_ and was != is_:
                yield issue(
                    path,
                    (field,),
                    "H001",
                    f"{field} changed from `{was}` to `{is_}`",
                    f"identifiers are permanent: restore `{was}`",
                )
        if before.url and now.url and before.url != now.url and before.url not in now.previous_urls:
            yield issue(
                path,
                ("url",),
                "H006",
                f"URL changed from {before.url}",
                "keep the old URL in `previous_urls`",
            )


def _removed(
    old: Mapping[str, _Old],
    removed: set[str],
    current: Mapping[str, ResourceKey],
    tombstones: Sequence[Mapping[str, Any]],
) -> Iterator[Finding]:
    retired = {str(stone.get("stable_id")) for stone in tombstones}
    live = {key.stable_id: key.path for key in current.values() if key.stable_id}
    for path in sorted(removed):
        before = old.get(path)
        stable_id = before.stable_id if before else None
        if stable_id and stable_id in live:
            yield issue(
                live[stable_id],
                ("stable_id",),
                "H005",
                f"{stable_id} moved here from `{path}`",
                "a resource's file is fixed by its stable ID; move it back",
            )
        elif not stable_id or stable_id not in retired:
            yield issue(
                path,
                (),
                "H002",
                f"resource {stable_id or path} was deleted without a tombstone",
                "use `resreg retire` or `resreg merge`, which leave one",
            )


def _tombstones_kept(old: Sequence[Stone], now: Sequence[Stone]) -> Iterator[Finding]:
    current = {str(stone.entry.get("stable_id")): stone for stone in now}
    for before in old:
        stable_id = str(before.entry.get("stable_id"))
        stone = current.get(stable_id)
        if stone is None:
            yield issue(
                before.path,
                (),
                "H003",
                f"the tombstone of {stable_id} was removed",
                "tombstones are forever; restore it",
            )
        elif dict(stone.entry) != dict(before.entry):
            changed = sorted(
                key
                for key in {*before.entry, *stone.entry}
                if before.entry.get(key) != stone.entry.get(key)
            )
            yield issue(
                stone.path,
                stone.pointer,
                "H003",
                f"the tombstone of {stable_id} was edited ({', '.join(changed)})",
                "tombstones are forever; restore it",
            )


def _retired_back(
    old: Sequence[Mapping[str, Any]], keys: Sequence[ResourceKey]
) -> Iterator[Finding]:
    stable_ids = {str(stone.get("stable_id")).lower() for stone in old}
    ids = {str(stone.get("id")) for stone in old}
    for key in keys:
        if key.stable_id and key.stable_id.lower() in stable_ids:
            yield issue(
                key.path,
                ("stable_id",),
                "H004",
                f"{key.stable_id} was retired at the base and is live again",
            )
        if key.id and key.id in ids:
            yield issue(
                key.path, ("id",), "H004", f"id {key.id} was retired at the base and is live again"
            )


def _old(path: str, data: bytes) -> _Old:
    parsed = read_document(data)
    record = parsed.data if isinstance(parsed, Document) and isinstance(parsed.data, dict) else {}
    values = {k: v if isinstance(v, str) else None for k, v in record.items() if isinstance(k, str)}
    return _Old(path, values.get("stable_id"), values.get("id"), values.get("url"))
