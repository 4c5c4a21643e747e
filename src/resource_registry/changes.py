"""What changed between two datasets: added, modified (which fields), retired, merged."""

from __future__ import annotations

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


def render_markdown(changes: Mapping[str, Any]) -> str:
    counts = changes["summary"]
    lines = [
        "# Changes",
        "",
        f"{counts['added']} added, {counts['modified']} modified, {counts['retired']} retired, "
        f"{counts['merged']} merged.",
        "",
    ]
    if changes["added"]:
        lines += ["## Added", "", *(f"- `{sid}`" for sid in changes["added"]), ""]
    if changes["modified"]:
        lines += [
            "## Modified",
            "",
            *(f"- `{m['stable_id']}`: {', '.join(m['fields'])}" for m in changes["modified"]),
            "",
        ]
    if changes["retired"]:
        lines += ["## Retired", "", *(f"- `{sid}`" for sid in changes["retired"]), ""]
    if changes["merged"]:
        lines += [
            "## Merged",
            "",
            *(f"- `{m['stable_id']}` → `{m['into']}`" for m in changes["merged"]),
            "",
        ]
    if changes["removed_without_tombstone"]:
        lines += [
            "## Removed without a tombstone",
            "",
            *(f"- `{sid}`" for sid in changes["removed_without_tombstone"]),
            "",
        ]
    return "\n".join(lines)
