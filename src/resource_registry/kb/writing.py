"""What `resreg citations` changes: the resources' `cited_by` and ``data/pages.yaml``
(``--write``), links in the pages (``--convert``), new resources (``--add``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from resource_registry.base.config import KnowledgeBase
from resource_registry.base.errors import UsageError
from resource_registry.base.findings import Finding
from resource_registry.base.fsutil import atomic_write
from resource_registry.check.catalog_rules import KeyTable
from resource_registry.kb import pagelist
from resource_registry.kb.findings import finding
from resource_registry.kb.mentions import Mention
from resource_registry.kb.pages import Discovery, Page, reread
from resource_registry.kb.resolution import Edges
from resource_registry.record import layout
from resource_registry.record.reader import Document, read_document
from resource_registry.record.writer import extract_comments, order_for, render


def write_cited_by(
    root: Path, table: KeyTable, derived: Mapping[int, set[str]]
) -> tuple[list[str], list[Finding], set[str]]:
    """Rewrite the `cited_by` of each resource whose list differs; return the paths
    rewritten, the files that could not be, and the pages those still list."""
    from resource_registry.cache.place import registry_lock  # noqa: PLC0415 - reason: writes only

    rewritten: list[str] = []
    failed: list[Finding] = []
    kept: set[str] = set()
    with registry_lock(root):
        for row, stable_id in enumerate(table.stable_ids):
            recorded, wanted = set(table.cited_by[row]), derived.get(row, set())
            if not stable_id or recorded == wanted:
                continue
            path = table.paths[row]
            if why := _rewrite(root, path, sorted(wanted)):
                failed.append(finding(path, 0, 0, "K016", why, "fix it (`resreg validate`)"))
                kept |= recorded
            else:
                rewritten.append(path)
    return rewritten, failed, kept


def _rewrite(root: Path, path: str, cited_by: list[str]) -> str | None:
    """Set the file's `cited_by` and nothing else; None, or why it was left alone."""
    if layout.linked_part(root, path):
        return "the resource file is a symbolic link, so its `cited_by` was not rewritten"
    text = layout.read_capped(root / path).decode("utf-8", "replace")
    parsed = read_document(text.encode())
    if not isinstance(parsed, Document) or not isinstance(parsed.data, dict):
        return "the resource file does not parse, so its `cited_by` was not rewritten"
    record = parsed.data
    if cited_by:
        record["cited_by"] = cited_by
    else:
        record.pop("cited_by", None)
    new = render(record, order_for(path), extract_comments(parsed.root, text))
    if new != text:
        atomic_write(root / path, new.encode(), durable=False)  # many files: no fsync each
    return None


def write_pages(root: Path, plan: pagelist.Plan, text: str) -> None:
    comments = None
    if text:
        parsed = read_document(text.encode())
        if isinstance(parsed, Document):
            comments = extract_comments(parsed.root, text)
    layout.refuse_links(root, layout.PAGES)
    atomic_write(
        root / layout.PAGES, render(plan.entries, order_for(layout.PAGES), comments).encode()
    )


def convert_links(
    folder: Path,
    discovery: Discovery,
    edges: Edges,
    table: KeyTable,
    settings: KnowledgeBase,
) -> dict[str, int]:
    """Rewrite each convertible link as a reference; every other character stays."""
    converted: dict[str, int] = {}
    pages = {page.relative: page for page in discovery.pages}
    for relative, mentions in edges.convertible.items():
        if not mentions:
            continue
        text = reread(folder, pages[relative], settings)
        if text is None:
            continue  # changed or swapped since it was read: leave it
        pieces: list[str] = []
        position = 0
        for mention, row in sorted(mentions, key=lambda item: item[0].start):
            if mention.start < position:
                continue  # inside a link converted already
            pieces += [text[position : mention.start], _reference(mention, row, table, settings)]
            position = mention.end
        pieces.append(text[position:])
        atomic_write(folder / relative, "".join(pieces).encode())
        converted[relative] = len(mentions)
    return converted


def _reference(mention: Mention, row: int, table: KeyTable, settings: KnowledgeBase) -> str:
    text = mention.text if mention.text and mention.text.strip() else mention.target
    return (
        settings.reference_form.replace("{id}", table.ids[row])
        .replace("{stable_id}", table.stable_ids[row])
        .replace("{text}", text)
    )


def add_resources(
    root: Path, unregistered: Mapping[str, tuple[Page, Mention]]
) -> tuple[list[str], list[Finding]]:
    """Create a resource for each unregistered URL, titled by its link's text, through
    ``resreg new`` (which refuses a URL that is a variant of one already added)."""
    from resource_registry.edit.authoring import DuplicateError, new_resource  # noqa: PLC0415 - reason: --add only

    added: list[str] = []
    failures: list[Finding] = []
    for url, (_page, mention) in unregistered.items():
        title = _title(mention) or url
        try:
            made = new_resource(root, url, title=title)
        except (DuplicateError, UsageError):
            continue  # a variant of a URL added just before: the next resolution finds it
        if made.path is None:
            failures += made.findings
        else:
            added.append(made.path.relative_to(root).as_posix())
    return added, failures


_MARKUP: Final = re.compile(r"[*_`]+|<[^>]*>")


def _title(mention: Mention) -> str:
    return " ".join(_MARKUP.sub("", mention.text or "").split())
