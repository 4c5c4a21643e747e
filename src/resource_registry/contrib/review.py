"""What a change does to the registry, for reviewers (``resreg changes --base REF``).

The working tree is compared with the commit where HEAD's history left REF's (their
merge base, the rule of ``validate --base``; :func:`gitrepo.merge_base`), so that what
REF changed since is not shown as this branch's doing. Only the files that differ are
read from git. Every value here comes from contributors' files: it is data, kept as
read, and escaped only by the renderers (:mod:`resource_registry.contrib.summary`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from resource_registry.base import git as gitrepo
from resource_registry.check import tombstones
from resource_registry.check.identity import shard_path
from resource_registry.record import layout
from resource_registry.record.constraints import STABLE_ID_PATTERN
from resource_registry.record.reader import Document, list_entries, read_document

# the vocabulary files and the key that names an entry's label
VOCABULARIES: Final = {
    layout.PUBLICATIONS: "name",
    layout.PAGES: "title",
    layout.TAGS: "name",
}


_STABLE_ID: Final = re.compile(STABLE_ID_PATTERN)


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field (``fetch.status`` for a key of a nested mapping) from ``old`` to ``new``;
    None where the field is absent on that side."""

    field: str
    old: object
    new: object


@dataclass(frozen=True, slots=True)
class Added:
    path: str
    stable_id: str | None
    title: object
    url: object


@dataclass(frozen=True, slots=True)
class Modified:
    path: str
    stable_id: str | None
    title: object
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class Retired:
    """A tombstone added: retired, or merged when ``successor`` is set (with the
    successor's title when it is a live resource)."""

    path: str
    stable_id: str | None
    title: object
    url: object
    reason: object
    successor: str | None
    successor_title: object = None


@dataclass(frozen=True, slots=True)
class Removed:
    """A resource file gone without a tombstone (validation reports it, H002)."""

    path: str
    stable_id: str | None
    title: object


@dataclass(frozen=True, slots=True)
class VocabularyChange:
    """An entry of a vocabulary file added, removed or modified (``fields``)."""

    file: str
    id: str
    label: object
    kind: str  # "added", "removed", "modified"
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True)
class Changes:
    """Everything a change does, each list sorted by path. ``unreadable``: files that do
    not parse on one side or the other (validation says why)."""

    base_ref: str
    base_commit: str
    added: list[Added] = field(default_factory=list)
    modified: list[Modified] = field(default_factory=list)
    retired: list[Retired] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    vocabulary: list[VocabularyChange] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.modified
            or self.retired
            or self.removed
            or self.vocabulary
            or self.unreadable
        )


def changes(root: Path, base: str) -> Changes:
    """What the working tree of ``root`` changes, compared with the merge base of
    ``base`` and HEAD."""
    commit = gitrepo.merge_base(root, base)
    found = Changes(base, commit)
    _resources(root, commit, found)
    _tombstones(root, commit, found)
    _vocabularies(root, commit, found)
    found.unreadable.sort()
    return found


def _resources(root: Path, commit: str, found: Changes) -> None:
    """Files added, changed and removed; a stable ID that left one file for another is
    one resource moved (validation refuses it, H005): shown as modified, ``file`` first."""
    before = set(gitrepo.list_files(root, commit, layout.RESOURCES_DIR))
    now = set(layout.discover(root).resources)
    touched = set(gitrepo.changed_files(root, commit, layout.RESOURCES_DIR)) & before & now
    removed = before - now
    old = gitrepo.read_files(root, commit, sorted(touched | removed))
    gone: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in sorted(removed):
        lost = _mapping(path, old.get(path), found) or {}
        stable_id = _text(lost, "stable_id")
        if stable_id is not None and stable_id not in gone:
            gone[stable_id] = (path, lost)
        else:
            found.removed.append(Removed(path, stable_id, lost.get("title")))
    for path in sorted(now - before):
        record = _mapping(path, _read(root, path), found)
        stable_id = _text(record, "stable_id") if record is not None else None
        if record is None:
            continue
        if stable_id in gone:
            old_path, before_move = gone.pop(stable_id)
            moved = [FieldChange("file", old_path, path), *field_changes(before_move, record)]
            found.modified.append(Modified(path, stable_id, record.get("title"), tuple(moved)))
        else:
            found.added.append(Added(path, stable_id, record.get("title"), record.get("url")))
    found.removed.extend(
        Removed(path, sid, record.get("title")) for sid, (path, record) in gone.items()
    )
    found.removed.sort(key=lambda item: item.path)
    for path in sorted(touched):
        was = _mapping(path, old.get(path), found)
        is_ = _mapping(path, _read(root, path), found)
        if was is not None and is_ is not None and was != is_:
            found.modified.append(
                Modified(
                    path,
                    _text(is_, "stable_id"),
                    is_.get("title"),
                    tuple(field_changes(was, is_)),
                )
            )
    found.modified.sort(key=lambda item: item.path)


def _tombstones(root: Path, commit: str, found: Changes) -> None:
    """Tombstones now that were not at the base: the base's are known by their files'
    names (a tombstone file is named after its stable ID) and the old single file."""
    at_base = gitrepo.list_files(root, commit, layout.TOMBSTONES_DIR)
    retired_before = {path.rpartition("/")[2].removesuffix(".yaml").lower() for path in at_base}
    legacy = gitrepo.read_files(root, commit, [layout.LEGACY_TOMBSTONES])
    retired_before |= {
        str(stone.entry.get("stable_id")).lower() for stone in tombstones.stones_of(legacy)
    }
    new_files = sorted(set(tombstones.discover(root).resources) - set(at_base))
    contents = {path: data for path in new_files if (data := _read(root, path)) is not None}
    if (legacy_now := _read(root, layout.LEGACY_TOMBSTONES)) is not None:
        contents[layout.LEGACY_TOMBSTONES] = legacy_now
    stones = tombstones.stones_of(contents)
    found.unreadable.extend(sorted(set(new_files) - {stone.path for stone in stones}))
    newly_retired: set[str] = set()
    for stone in stones:
        stable_id = _text(stone.entry, "stable_id")
        if stable_id is None or stable_id.lower() in retired_before:
            continue
        successor = _text(stone.entry, "replaced_by")
        found.retired.append(
            Retired(
                stone.path,
                stable_id,
                stone.entry.get("title"),
                stone.entry.get("url"),
                stone.entry.get("reason"),
                successor,
                _live_title(root, successor),
            )
        )
        newly_retired.add(stable_id)
    found.removed[:] = [item for item in found.removed if item.stable_id not in newly_retired]


def _live_title(root: Path, stable_id: str | None) -> object:
    """The title of the live resource ``stable_id``; None for anything that is not a
    stable ID (a tombstone's `replaced_by` is data: it never names another path)."""
    if stable_id is None or not _STABLE_ID.fullmatch(stable_id):
        return None
    data = _read(root, shard_path(stable_id))
    parsed = read_document(data) if data is not None else None
    if isinstance(parsed, Document) and isinstance(parsed.data, dict):
        return parsed.data.get("title")
    return None


def _vocabularies(root: Path, commit: str, found: Changes) -> None:
    old = gitrepo.read_files(root, commit, list(VOCABULARIES))
    for path, label_key in VOCABULARIES.items():
        if layout.linked_part(root, path):  # validation reports the link (P018)
            found.unreadable.append(path)
            continue
        before_data, now_data = old.get(path), _read(root, path)
        if before_data == now_data:
            continue
        before = _entries(path, before_data, found)
        now = _entries(path, now_data, found)
        if before is None or now is None:
            continue
        for entry_id in sorted(now.keys() - before.keys()):
            found.vocabulary.append(
                VocabularyChange(path, entry_id, now[entry_id].get(label_key), "added")
            )
        for entry_id in sorted(before.keys() - now.keys()):
            found.vocabulary.append(
                VocabularyChange(path, entry_id, before[entry_id].get(label_key), "removed")
            )
        for entry_id in sorted(before.keys() & now.keys()):
            if before[entry_id] != now[entry_id]:
                found.vocabulary.append(
                    VocabularyChange(
                        path,
                        entry_id,
                        now[entry_id].get(label_key),
                        "modified",
                        tuple(field_changes(before[entry_id], now[entry_id])),
                    )
                )


def field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldChange]:
    """Each top-level key whose value differs, in the order of the new record (then the
    removed keys); a nested mapping (``fetch``) one key at a time."""
    changed: list[FieldChange] = []
    for key in [*new, *(key for key in old if key not in new)]:
        was, is_ = old.get(key), new.get(key)
        if was == is_:
            continue
        if isinstance(was, dict) and isinstance(is_, dict):
            changed += (
                FieldChange(f"{key}.{inner.field}", inner.old, inner.new)
                for inner in field_changes(was, is_)
            )
        else:
            changed.append(FieldChange(str(key), was, is_))
    return changed


def _entries(path: str, data: bytes | None, found: Changes) -> dict[str, dict[str, Any]] | None:
    """A vocabulary file's entries by id ({} for a file that is absent)."""
    if data is None:
        return {}
    entries = list_entries(data)
    if entries is None:
        found.unreadable.append(path)
        return None
    return {entry["id"]: entry for entry in entries if isinstance(entry.get("id"), str)}


def _mapping(path: str, data: bytes | None, found: Changes) -> dict[str, Any] | None:
    parsed = read_document(data) if data is not None else None
    if isinstance(parsed, Document) and isinstance(parsed.data, dict):
        return {str(key): value for key, value in parsed.data.items()}
    if path not in found.unreadable:
        found.unreadable.append(path)
    return None


def _read(root: Path, path: str) -> bytes | None:
    """A file's bytes, or None when it is absent, unreadable or reached through a link."""
    if layout.linked_part(root, path):
        return None
    try:
        return layout.read_capped(root / path)
    except OSError:
        return None


def _text(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    return value if isinstance(value, str) else None
