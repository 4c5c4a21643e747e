"""Changing the registry: ``resreg new``, ``resreg retire`` and ``resreg merge``.

Identity is minted here and nowhere else: a stable ID from the operating system's
CSPRNG, and the `id` from the URL as first recorded.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from resource_registry.base.errors import RegistryError, UsageError
from resource_registry.base.findings import Finding, Severity
from resource_registry.base.fsutil import atomic_write
from resource_registry.cache.place import registry_lock
from resource_registry.check import tombstones
from resource_registry.check.catalog_rules import Identities, KeyTable, row_problems
from resource_registry.check.file_result import Locator, placed
from resource_registry.check.file_rules import check_resource
from resource_registry.check.identity import shard_path
from resource_registry.check.vocabulary import Vocabulary, vocabulary_ids
from resource_registry.edit.fmt import tag_aliases
from resource_registry.record import urls
from resource_registry.record._derived import RESOURCE_COLUMNS, RESOURCE_TYPES
from resource_registry.record.layout import read_capped, refuse_links
from resource_registry.record.reader import Document, read_document
from resource_registry.record.writer import RESOURCE_ORDER, render
from resource_registry.registry import lookup

STABLE_ID_ALPHABET: Final = string.digits + string.ascii_letters
_MINT_ATTEMPTS: Final = 100


class DuplicateError(RegistryError):
    """The URL is already in the registry."""


def mint_stable_id(taken_lowercase: Container[str]) -> str:
    """A fresh stable ID that differs, ignoring case, from every one in ``taken_lowercase``."""
    for _ in range(_MINT_ATTEMPTS):
        candidate = "sid_" + "".join(secrets.choice(STABLE_ID_ALPHABET) for _ in range(10))
        if candidate.lower() not in taken_lowercase:
            return candidate
    raise RegistryError(
        "could not mint an unused stable ID"
    )  # pragma: no cover - reason: 62^10 IDs


@dataclass(frozen=True, slots=True)
class NewResource:
    """What ``new`` did: the file written (None when the rules refused it), the certain
    fixes it applied to the arguments, and what the rules found in the record."""

    path: Path | None
    fixes: tuple[str, ...]
    findings: tuple[Finding, ...]


def new_resource(
    root: Path,
    url: str,
    *,
    title: str | None,
    type_: str | None = None,
    tags: Sequence[str] = (),
    cited_by: Sequence[str] = (),
    relevance: str | None = None,
    today: dt.date | None = None,
    fetched: Mapping[str, object] | None = None,
    notes: Sequence[Finding] = (),
) -> NewResource:
    """Create a canonical resource file for ``url``, unless validation would reject it.

    Fixes whose result is certain are applied first (see :func:`urls.certain_fixes`).
    The record is then put through the same rules as ``validate``: those of one file,
    and those of the catalog for its references and retired identifiers. An error
    means no file is written; warnings are returned with the path. A URL that is
    already recorded (exactly or after normalization) is refused. Runs under a lock,
    so that concurrent runs cannot both add one URL; the file appears whole or not at
    all.

    ``fetched`` holds what the metadata sources gave (fields, ``sources`` and
    ``fetch``); the arguments win over it. Should the fetched values not pass the
    rules, the file is written without them and ``notes`` (the sources' findings) gain
    one that says why.
    """
    url, fixes = urls.certain_fixes(url)
    fetched = dict(fetched or {})
    title = title if title is not None else _fetched_title(fetched)
    type_ = type_ or str(fetched.pop("type", "web"))
    _check_arguments(title, type_)
    aliases = tag_aliases(root) if tags else {}
    with registry_lock(root):
        table = lookup.identities(root)
        retired = lookup.tombstones(root)
        refuse_recorded(url, table, retired)
        new_id = urls.resource_id(url)
        taken = _Taken(table, [str(stone.get("stable_id", "")) for stone in retired])
        while True:
            stable_id = mint_stable_id(taken)
            record: dict[str, object] = {
                "stable_id": stable_id,
                "id": new_id,
                "url": url,
                "title": title.strip(),
                "type": type_,
            }
            if tags:
                record["tags"] = sorted({aliases.get(tag, tag) for tag in tags})
            if cited_by:
                record["cited_by"] = sorted(set(cited_by))
            if relevance is not None and relevance.strip():
                record["relevance"] = relevance.strip()
            relative = shard_path(stable_id)
            refuse_links(root, relative)  # never write through a link
            text = render({**fetched, **record}, RESOURCE_ORDER)
            found = _rule_findings(root, relative, text, aliases, retired, today)
            if fetched and any(item.severity is Severity.ERROR for item in found):
                unused = _unused_fetched(relative, found)
                text = render(_typed_only(record, fetched), RESOURCE_ORDER)
                found = (*_rule_findings(root, relative, text, aliases, retired, today), unused)
            found = tuple(sorted((*found, *(_moved(note, relative) for note in notes))))
            if any(item.severity is Severity.ERROR for item in found):
                return NewResource(None, tuple(fixes), found)
            try:
                atomic_write(root / relative, text.encode(), exclusive=True)
            except FileExistsError:  # pragma: no cover - reason: a collision needs 62^10 luck
                taken.add(stable_id.lower())
                continue
            return NewResource(root / relative, tuple(fixes), found)


def refuse_recorded(url: str, table: Identities, retired: Sequence[Mapping[str, Any]]) -> None:
    """Raise :class:`DuplicateError` if ``url`` (already fixed) is in the registry, or
    belongs to a retired resource."""
    if matches := lookup.find(url, table, []):
        row = table.paths.index(str(matches[0].path))
        raise DuplicateError(
            f"{url} is already in the registry as {table.stable_ids[row]} "
            f"({matches[0].how} match): {matches[0].path}"
        )
    new_id = urls.resource_id(url)
    if gone := next((stone for stone in retired if stone.get("id") == new_id), None):
        raise DuplicateError(
            f"{url} belongs to the retired resource {gone.get('stable_id')} "
            f"({gone.get('reason', 'no reason given')}); retired IDs never come back"
        )


def _fetched_title(fetched: dict[str, object]) -> str:
    title = fetched.pop("title", None)
    if not isinstance(title, str):
        raise UsageError("the source gave no title; give one with --title")
    return title


def _typed_only(record: dict[str, object], fetched: Mapping[str, object]) -> dict[str, object]:
    """The record without the fetched values (their provenance goes with them)."""
    sources = fetched.get("sources")
    kept = dict(sources) if isinstance(sources, dict) else {}
    kept = {field: source for field, source in kept.items() if field in record}
    return {**record, **({"sources": kept} if kept else {})}


def _unused_fetched(path: str, found: Sequence[Finding]) -> Finding:
    errors = "; ".join(
        f"{item.code} {item.message}" for item in found if item.severity is Severity.ERROR
    )
    return Finding(
        path,
        0,
        0,
        "M005",
        Severity.WARNING,
        f"the values fetched from the source would not pass validation ({errors[:300]}); "
        "the file was written without them",
        None,
    )


def _moved(note: Finding, path: str) -> Finding:
    return (
        note
        if note.path == path
        else Finding(path, note.line, note.col, note.code, note.severity, note.message, note.hint)
    )


def _rule_findings(
    root: Path,
    path: str,
    text: str,
    aliases: dict[str, str],
    retired: list[dict[str, Any]],
    today: dt.date | None,
) -> tuple[Finding, ...]:
    """What ``validate`` would say about ``text`` written at ``path``: the file's own
    rules, then the catalog's rules for this one record against the vocabulary files."""
    parsed = read_document(text.encode())
    if not isinstance(parsed, Document):  # pragma: no cover - reason: render writes YAML
        return tuple(placed(path, problem) for problem in parsed)
    result = check_resource(path, parsed, today or dt.datetime.now(dt.UTC).date())
    found = list(result.findings)
    if result.key is not None:
        ids = vocabulary_ids(root)
        vocabulary = Vocabulary(
            publications=ids["publications"],
            pages=ids["pages"],
            tags=ids["tags"],
            tag_aliases=aliases,
            tombstones=retired,
        )
        located = Locator(path, parsed.root)
        found += (
            located.at(issue.code, issue.pointer, issue.message, issue.hint)
            for issue in row_problems(KeyTable.from_results([result]), vocabulary)
        )
    return tuple(sorted(found))


class _Taken:
    """Stable IDs in use, compared ignoring case: live ones, retired ones and those
    tried here."""

    def __init__(self, table: Identities, retired: Sequence[str]) -> None:
        self._lowered = {stable_id.lower() for stable_id in [*table.stable_ids, *retired]}

    def __contains__(self, lowered: object) -> bool:
        return lowered in self._lowered

    def add(self, lowered: str) -> None:
        self._lowered.add(lowered)


def _check_arguments(title: str, type_: str) -> None:
    """Refuse arguments that cannot make a record at all."""
    if not title.strip():
        raise UsageError("the title must not be empty")
    if type_ not in RESOURCE_TYPES:
        raise UsageError(f"unknown type `{type_}`; one of: {', '.join(RESOURCE_TYPES)}")


def retire(root: Path, stable_id: str, *, reason: str, today: dt.date | None = None) -> Path:
    """Remove a resource and leave its tombstone; return the path that was removed."""
    with registry_lock(root):
        if stable_id in {str(stone.get("stable_id")) for stone in lookup.tombstones(root)}:
            raise UsageError(already_retired(stable_id))
        path, record = _live_record(root, stable_id, "retire")
        _append_tombstone(root, record, reason=reason, today=today)
        path.unlink()
        return path


def already_retired(stable_id: str) -> str:
    """What `retire` and `merge` say of a stable ID that is retired already."""
    return f"{stable_id} is already retired; `resreg lookup {stable_id}` shows its tombstone"


@dataclass(frozen=True, slots=True)
class Merged:
    kept: Path
    removed: Path
    conflicts: tuple[str, ...]


def merge(root: Path, duplicate: str, keep: str, *, today: dt.date | None = None) -> Merged:
    """Fold ``duplicate`` into ``keep``: the kept resource gains the duplicate's citations,
    tags, authors and URLs, keeps its own text, and the duplicate becomes a tombstone
    that redirects to it. Conflicting text fields are reported, not merged."""
    if duplicate.lower() == keep.lower():
        raise UsageError(f"cannot merge {duplicate} into itself")
    with registry_lock(root):
        retired = {str(stone.get("stable_id")) for stone in lookup.tombstones(root)}
        if keep in retired:
            raise UsageError(
                f"{keep} is retired; merge into the resource that replaced it "
                f"(`resreg lookup {keep}` names it)"
            )
        if duplicate in retired:
            raise UsageError(already_retired(duplicate))
        kept_path, kept = _live_record(root, keep, "merge into")
        removed_path, gone = _live_record(root, duplicate, "merge")
        refuse_links(root, tombstones.tombstone_path(duplicate))  # before changing anything
        conflicts = _fold(kept, gone)
        atomic_write(kept_path, render(kept, RESOURCE_ORDER).encode())
        _append_tombstone(root, gone, reason=f"Merged into {keep}.", today=today, replaced_by=keep)
        removed_path.unlink()
        return Merged(kept_path, removed_path, tuple(conflicts))


# What `merge` does with each field, from the models: identity, the kept URL's link check
# and the legacy import's data describe one record each and are not folded; lists are
# united; any other field is taken from the removed resource where the kept one lacks it
_NOT_FOLDED: Final = ("stable_id", "id", "url", "previous_urls", "fetch", "legacy")
_UNION_FIELDS: Final = tuple(
    name for name, kind, _ in RESOURCE_COLUMNS if kind == "array" and name not in _NOT_FOLDED
)
_ORDERED_LISTS: Final = ("authors", "key_points")  # their order says something
_TEXT_FIELDS: Final = tuple(
    name for name, kind, _ in RESOURCE_COLUMNS if kind != "array" and name not in _NOT_FOLDED
)


def _fold(kept: dict[str, Any], gone: Mapping[str, Any]) -> list[str]:
    for field in _UNION_FIELDS:
        merged = list(kept.get(field, [])) + [
            item for item in gone.get(field, []) if item not in kept.get(field, [])
        ]
        if merged:
            kept[field] = merged if field in _ORDERED_LISTS else sorted(merged)
    urls_ = [gone["url"], *gone.get("previous_urls", [])]
    previous = list(kept.get("previous_urls", []))
    previous += [url for url in urls_ if url != kept["url"] and url not in previous]
    if previous:
        kept["previous_urls"] = previous
    conflicts = []
    for field in _TEXT_FIELDS:
        if field in gone and field not in kept:
            kept[field] = gone[field]
        elif field in gone and gone[field] != kept[field]:
            conflicts.append(f"`{field}`: kept {kept[field]!r}, dropped {gone[field]!r}")
    return conflicts


def _live_record(root: Path, stable_id: str, verb: str) -> tuple[Path, dict[str, Any]]:
    refuse_links(root, shard_path(stable_id))  # read, rewrite or remove nothing through one
    path = root / shard_path(stable_id)
    if not path.is_file():
        raise UsageError(f"cannot {verb} {stable_id}: no file {shard_path(stable_id)}")
    parsed = read_document(read_capped(path))
    if not isinstance(parsed, Document) or not isinstance(parsed.data, dict):
        raise UsageError(
            f"cannot {verb} {stable_id}: {shard_path(stable_id)} does not parse; "
            "fix it first (`resreg validate`)"
        )
    record = parsed.data
    missing = [
        key for key in ("stable_id", "id", "url", "title") if not isinstance(record.get(key), str)
    ]
    if missing or record["stable_id"] != stable_id:
        raise UsageError(
            f"cannot {verb} {stable_id}: its file is not a valid resource "
            "(`resreg validate` says why)"
        )
    return path, record


def _append_tombstone(
    root: Path,
    record: Mapping[str, Any],
    *,
    reason: str,
    today: dt.date | None,
    replaced_by: str | None = None,
) -> None:
    if not reason.strip():
        raise UsageError("a reason is required")
    stone: dict[str, object] = {key: record[key] for key in ("stable_id", "id", "url", "title")}
    stone["retired"] = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    stone["reason"] = reason.strip()
    if replaced_by:
        stone["replaced_by"] = replaced_by
    tombstones.write(root, stone)
