"""The pages vocabulary, ``data/pages.yaml``, from the pages' front matter.

Each page's entry holds its id, and its title, type and quality from the front matter
keys the configuration names, and its path (the configured pages folder joined with the
page's path in it). Pages without an entry get one; an entry whose page's front matter
says otherwise is updated (keys of the entry that no front matter key sets are kept);
entries of pages that are gone are reported, and removed on ``--write`` unless a
`cited_by` that cannot be rewritten still lists them; a page's later entries with the
same id are dropped. Entries keep their order; new
ones follow, by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from resource_registry.base.config import KnowledgeBase
from resource_registry.base.errors import RegistryError
from resource_registry.check.schema_rules import core_validator
from resource_registry.kb.mentions import Flaw
from resource_registry.kb.pages import Page
from resource_registry.record import layout
from resource_registry.record.reader import Document, read_document

if TYPE_CHECKING:
    from pydantic_core import SchemaValidator

MANAGED: Final = ("title", "type", "quality", "path")


@dataclass(slots=True)
class Plan:
    """The new list of entries and what changed: ids added, updated (with the keys that
    differ) and gone (pages that vanished)."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    vanished: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # later entries of an id, dropped

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.vanished or self.duplicates)


def read_entries(root: Path) -> tuple[list[dict[str, Any]], str]:
    """The entries of ``data/pages.yaml`` and its text (``[]`` and ``""`` when absent)."""
    if layout.linked_part(root, layout.PAGES):
        raise RegistryError(f"{layout.PAGES} is a symbolic link; `resreg validate` says more")
    path = root / layout.PAGES
    if not path.exists():
        return [], ""
    data = layout.read_capped(path)
    parsed = read_document(data)
    if not isinstance(parsed, Document) or not (
        parsed.data is None or isinstance(parsed.data, list)
    ):
        raise RegistryError(f"{layout.PAGES} cannot be read; fix it first (`resreg validate`)")
    entries = [entry for entry in parsed.data or [] if isinstance(entry, dict)]
    return entries, data.decode("utf-8")


def entry_for(
    page: Page, front_matter: str | None, settings: KnowledgeBase, line: int
) -> tuple[dict[str, Any], list[Flaw]]:
    """The entry the page's front matter makes, and what is wrong with that front matter."""
    flaws: list[Flaw] = []
    data: Mapping[str, Any] = {}
    if front_matter is not None:
        parsed = read_document(_wanted_part(front_matter, settings).encode())
        if isinstance(parsed, Document) and isinstance(parsed.data, dict):
            data = parsed.data
        elif isinstance(parsed, Document) and parsed.data is None:
            data = {}
        else:
            where = parsed[0] if isinstance(parsed, list) and parsed else None
            at = line + (where.line - 1 if where and where.line else 0)
            reason = where.message if where else "it is not a mapping"
            flaws.append(Flaw("K015", at, 1, f"the front matter cannot be read: {reason}"))
    entry: dict[str, Any] = {"id": page.page_id}
    title = data.get(settings.title_key)
    entry["title"] = " ".join(title.split()) if isinstance(title, str) else ""
    if not valid(entry):
        entry["title"] = page.page_id
        if not flaws:
            flaws.append(
                _flaw(line, f"the front matter has no usable `{settings.title_key}`", "add one")
            )
    for name, key in (("type", settings.type_key), ("quality", settings.quality_key)):
        value = data.get(key)
        if value is None:
            continue
        if valid({**entry, name: value}):
            entry[name] = value
        else:
            flaws.append(_flaw(line, f"`{key}` is not a valid page {name}: {value!r:.60}"))
    path = f"{settings.pages.rstrip('/')}/{page.relative}"
    if valid({**entry, "path": path}):
        entry["path"] = path
    return entry, flaws


def _wanted_part(front_matter: str, settings: KnowledgeBase) -> str:
    """The top-level entries of a block-style front matter that the entry needs (each key's
    line and the indented or blank lines that continue it); the whole text when it is not
    plainly block style. The rest is never read: pages hold much front matter, and only
    three of its keys matter here."""
    lines = front_matter.splitlines(keepends=True)
    if not lines or not lines[0][:1].isalpha():
        return front_matter
    keys = tuple(f"{key}:" for key in (settings.title_key, settings.type_key, settings.quality_key))
    kept: list[str] = []
    taking = False
    for line in lines:
        if line[:1] not in (" ", "\t", "\n", "\r", ""):
            taking = line.startswith(keys)
        if taking:
            kept.append(line)
    return "".join(kept)


def _flaw(line: int, message: str, hint: str | None = None) -> Flaw:
    return Flaw("K015", line, 1, message, hint or "fix the front matter")


@cache
def _validator() -> SchemaValidator:
    return core_validator("pages")


def valid(entry: Mapping[str, Any]) -> bool:
    """Whether ``entry`` is a valid entry of the pages vocabulary (the model's rules)."""
    from pydantic_core import ValidationError  # noqa: PLC0415 - reason: loaded with the validator

    try:
        _validator().validate_python([entry])
    except ValidationError:
        return False
    return True


def valid_id(page_id: str) -> bool:
    return valid({"id": page_id, "title": page_id})


def plan(
    existing: Sequence[Mapping[str, Any]],
    made: Mapping[str, Mapping[str, Any]],
    present: Iterable[str],
    keep: Iterable[str] = (),
) -> Plan:
    """The new entries from the ``existing`` ones and those ``made`` from readable pages;
    ``present`` names every page found, readable or not (an unreadable page keeps its
    entry as it is); ``keep`` names vanished pages whose entry must stay."""
    result = Plan()
    found, kept = set(present), set(keep)
    seen: set[str] = set()
    for old in existing:
        page_id = str(old.get("id"))
        if page_id in seen and page_id in made:
            result.duplicates.append(page_id)  # the page's one entry is the first
            continue
        seen.add(page_id)
        if page_id not in found:
            result.vanished.append(page_id)
            if page_id in kept:
                result.entries.append(dict(old))
            continue
        new = made.get(page_id)
        if new is None:
            result.entries.append(dict(old))
            continue
        merged = {key: value for key, value in old.items() if key not in MANAGED}
        merged.update(new)
        differ = [key for key in MANAGED if old.get(key) != merged.get(key)]
        if differ:
            result.updated[page_id] = differ
        result.entries.append(merged)
    for page_id in sorted(made.keys() - seen):
        result.entries.append(dict(made[page_id]))
        result.added.append(page_id)
    return result
