"""``resreg changes`` rendered: text for a terminal, JSON for programs, Markdown for a
pull request. Every value from the data is escaped on the way out (see
:mod:`resource_registry.contrib.markup`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar

from resource_registry.base.safetext import json_for_terminal
from resource_registry.contrib import markup
from resource_registry.contrib.review import Changes, FieldChange, Retired, VocabularyChange

JSON_FORMAT_VERSION: Final = 1
# Marks the pull-request comment that the validate workflow edits in place.
COMMENT_MARKER: Final = "<!-- resreg-changes -->"
MAX_ITEMS: Final = 100  # per section in Markdown: a comment holds at most 65,536 characters

_Item = TypeVar("_Item")


def counts(found: Changes) -> str:
    return (
        f"{len(found.added)} added, {len(found.modified)} modified, "
        f"{len(found.retired)} retired or merged, {len(found.removed)} removed without a "
        f"tombstone, {len(found.vocabulary)} vocabulary changes"
    )


def _base(found: Changes) -> str:
    return f"{found.base_commit[:12]}, the merge base of {found.base_ref} and HEAD"


# --- text ---------------------------------------------------------------------------------


def render_text(found: Changes) -> str:
    show = markup.display
    lines = [f"Compared with {show(_base(found))}: {counts(found)}."]
    if found.added:
        lines.append("Added:")
        lines += [
            f"  {show(item.stable_id)}  {show(item.title)}  <{show(item.url)}>"
            for item in found.added
        ]
    if found.modified:
        lines.append("Modified:")
        for item in found.modified:
            lines.append(f"  {show(item.stable_id)}  {show(item.title)}")
            lines += [f"    {_text_change(change)}" for change in item.fields]
    if found.retired:
        lines.append("Retired or merged:")
        lines += [f"  {_text_retired(item)}" for item in found.retired]
    if found.removed:
        lines.append("Removed without a tombstone:")
        lines += [f"  {show(item.stable_id)}  {show(item.title)}" for item in found.removed]
    if found.vocabulary:
        lines.append("Vocabulary:")
        for entry in found.vocabulary:
            lines.append(f"  {entry.file}: {entry.kind} {show(entry.id)} ({show(entry.label)})")
            lines += [f"    {_text_change(change)}" for change in entry.fields]
    if found.unreadable:
        lines.append("Files that do not parse (see `resreg validate`):")
        lines += [f"  {show(path)}" for path in found.unreadable]
    return "\n".join(lines) + "\n"


def _text_change(change: FieldChange) -> str:
    show = markup.display
    return f"{show(change.field)}: {show(change.old)} -> {show(change.new)}"


def _text_retired(item: Retired) -> str:
    show = markup.display
    what = f"merged into {show(item.successor)}" if item.successor else "retired"
    return f"{show(item.stable_id)}  {show(item.title)}: {what}; reason: {show(item.reason)}"


# --- JSON ---------------------------------------------------------------------------------


def render_json(found: Changes) -> str:
    document: dict[str, Any] = {
        "version": JSON_FORMAT_VERSION,
        "base": {"ref": found.base_ref, "commit": found.base_commit},
        "added": [
            {"path": i.path, "stable_id": i.stable_id, "title": i.title, "url": i.url}
            for i in found.added
        ],
        "modified": [
            {
                "path": i.path,
                "stable_id": i.stable_id,
                "title": i.title,
                "fields": [_json_change(change) for change in i.fields],
            }
            for i in found.modified
        ],
        "retired": [
            {
                "path": i.path,
                "stable_id": i.stable_id,
                "title": i.title,
                "url": i.url,
                "reason": i.reason,
                "replaced_by": i.successor,
            }
            for i in found.retired
        ],
        "removed_without_tombstone": [
            {"path": i.path, "stable_id": i.stable_id, "title": i.title} for i in found.removed
        ],
        "vocabulary": [
            {
                "file": entry.file,
                "id": entry.id,
                "label": entry.label,
                "change": entry.kind,
                "fields": [_json_change(change) for change in entry.fields],
            }
            for entry in found.vocabulary
        ],
        "unreadable": found.unreadable,
    }
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str)
    return json_for_terminal(text) + "\n"


def _json_change(change: FieldChange) -> dict[str, object]:
    return {"field": change.field, "old": change.old, "new": change.new}


# --- Markdown -----------------------------------------------------------------------------


def render_markdown(found: Changes) -> str:
    """The review summary: the comment marker, a heading, the counts, then a section per
    kind of change (each cut at :data:`MAX_ITEMS` entries)."""
    text, code = markup.text, markup.code
    lines = [
        COMMENT_MARKER,
        "## Registry changes",
        "",
        f"Compared with {code(found.base_commit[:12])}, the merge base of "
        f"{code(found.base_ref)} and HEAD: {counts(found)}.",
    ]
    if found.empty:
        lines += ["", "This change touches no resource, tombstone or vocabulary file."]
    lines += _section(
        "Added",
        found.added,
        lambda i: [f"- **{text(i.title)}** {code(i.stable_id)}: {code(i.url)}"],
    )
    lines += _section(
        "Modified",
        found.modified,
        lambda i: [
            f"- **{text(i.title)}** {code(i.stable_id)}",
            *(f"  - {_markdown_change(change)}" for change in i.fields),
        ],
    )
    lines += _section("Retired or merged", found.retired, _markdown_retired)
    lines += _section(
        "Removed without a tombstone (validation fails: H002)",
        found.removed,
        lambda i: [f"- **{text(i.title)}** {code(i.stable_id)} ({code(i.path)})"],
    )
    lines += _section("Vocabulary", found.vocabulary, _markdown_vocabulary)
    lines += _section(
        "Files that do not parse (see the validation job)",
        found.unreadable,
        lambda path: [f"- {code(path)}"],
    )
    return "\n".join(lines) + "\n"


def _section(
    title: str, items: list[_Item], lines_of: Callable[[_Item], Iterable[str]]
) -> list[str]:
    if not items:
        return []
    lines = ["", f"### {title} ({len(items)})", ""]
    for item in items[:MAX_ITEMS]:
        lines += lines_of(item)
    if len(items) > MAX_ITEMS:
        lines.append(f"- … and {len(items) - MAX_ITEMS} more: run `resreg changes` to see all")
    return lines


def _markdown_change(change: FieldChange) -> str:
    code = markup.code
    return f"{code(change.field)}: {code(change.old)} → {code(change.new)}"


def _markdown_retired(item: Retired) -> list[str]:
    text, code = markup.text, markup.code
    if item.successor:
        into = f"merged into {code(item.successor)}"
        if item.successor_title is not None:
            into += f" (**{text(item.successor_title)}**)"
    else:
        into = "retired"
    return [f"- **{text(item.title)}** {code(item.stable_id)}: {into}; reason: {text(item.reason)}"]


def _markdown_vocabulary(entry: VocabularyChange) -> list[str]:
    text, code = markup.text, markup.code
    head = f"- {code(entry.file)}: {entry.kind} {code(entry.id)}"
    if entry.label is not None:
        head += f" ({text(entry.label)})"
    return [head, *(f"  - {_markdown_change(change)}" for change in entry.fields)]


RENDERERS: Final[dict[str, Callable[[Changes], str]]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}
