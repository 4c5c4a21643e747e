"""What changed between two datasets: added, modified (which fields), retired, merged."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

# dates from git: a commit that changed nothing but the file's formatting moves them
_NOT_COMPARED: Final = frozenset({"created", "modified"})


def compare(
    before: Sequence[Mapping[str, Any]],
    after: Sequence[Mapping[str, Any]],
    tombstones: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The changes document (``changes.json``); lists are sorted by stable ID."""
    old = {str(record["stable_id"]): record for record in before}
    new = {str(record["stable_id"]): record for record in after}
    stones = {str(stone.get("stable_id")): stone for stone in tombstones}
    added = sorted(new.keys() - old.keys())
    modified = [
        {"stable_id": sid, "fields": _changed_fields(old[sid], new[sid])}
        for sid in sorted(old.keys() & new.keys())
        if old[sid] != new[sid] and _changed_fields(old[sid], new[sid])
    ]
    gone = sorted(old.keys() - new.keys())
    merged = [
        {"stable_id": sid, "into": stones[sid]["replaced_by"]}
        for sid in gone
        if stones.get(sid, {}).get("replaced_by")
    ]
    retired = [sid for sid in gone if sid in stones and not stones[sid].get("replaced_by")]
    unexplained = [sid for sid in gone if sid not in stones]
    return {
        "summary": {
            "added": len(added),
            "modified": len(modified),
            "retired": len(retired),
            "merged": len(merged),
            "removed_without_tombstone": len(unexplained),
        },
        "added": added,
        "modified": modified,
        "retired": retired,
        "merged": merged,
        "removed_without_tombstone": unexplained,
    }


def _changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    keys = (before.keys() | after.keys()) - _NOT_COMPARED
    return sorted(key for key in keys if before.get(key) != after.get(key))


def render_markdown(
    changes: Mapping[str, Any],
    before: Sequence[Mapping[str, Any]] = (),
    after: Sequence[Mapping[str, Any]] = (),
    tombstones: Sequence[Mapping[str, Any]] = (),
) -> str:
    """``CHANGES.md``: each resource by its title and stable ID, retirements with their
    reason, merges with their successor. Titles and reasons are data (the previous
    dataset may come from anyone): Markdown in them is escaped, never rendered."""
    titles = {str(r.get("stable_id")): str(r.get("title", "")) for r in [*before, *after]}
    stones = {str(stone.get("stable_id")): stone for stone in tombstones}
    for sid, stone in stones.items():
        titles.setdefault(sid, str(stone.get("title", "")))

    def named(sid: object) -> str:
        title = titles.get(str(sid))
        return f"{_text(title)} ({_code(sid)})" if title else _code(sid)

    def reason(sid: object) -> str:
        text = stones.get(str(sid), {}).get("reason")
        return f": {_text(text)}" if text else ""

    counts = changes["summary"]
    lines = [
        "# Changes",
        "",
        f"{counts['added']} added, {counts['modified']} modified, {counts['retired']} retired, "
        f"{counts['merged']} merged.",
        "",
    ]
    sections = [
        ("Added", [f"- {named(sid)}" for sid in changes["added"]]),
        (
            "Modified",
            [f"- {named(m['stable_id'])}: {', '.join(m['fields'])}" for m in changes["modified"]],
        ),
        ("Retired", [f"- {named(sid)}{reason(sid)}" for sid in changes["retired"]]),
        (
            "Merged",
            [
                f"- {named(m['stable_id'])} → {named(m['into'])}{reason(m['stable_id'])}"
                for m in changes["merged"]
            ],
        ),
        (
            "Removed without a tombstone",
            [f"- {named(sid)}" for sid in changes["removed_without_tombstone"]],
        ),
    ]
    for heading, items in sections:
        if items:
            lines += [f"## {heading}", "", *items, ""]
    return "\n".join(lines)


_MARKDOWN: Final = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")


def _text(value: object) -> str:
    """Text from the data as Markdown that shows it literally, on one line."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(value).split()))


def _code(value: object) -> str:
    text = " ".join(str(value).split())
    return f"`{text}`" if "`" not in text else _text(text)
