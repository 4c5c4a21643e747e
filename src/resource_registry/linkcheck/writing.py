"""Writing fetch blocks into resource files: atomically, comments kept, and only when the
result passes every check the old text passed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from resource_registry.base.findings import Severity
from resource_registry.base.fsutil import atomic_write
from resource_registry.check.file_rules import check_resource
from resource_registry.linkcheck.fetch_block import merged_fetch
from resource_registry.linkcheck.outcomes import LinkReport, Outcome
from resource_registry.record.layout import RESOURCES_DIR
from resource_registry.record.reader import Document, read_document
from resource_registry.record.writer import extract_comments, order_for, render

Blocks = list[tuple[dict[str, object], dict[str, object]]]  # (before, after) per file written


def write_all(
    root: Path, paths: Sequence[str], outcome: Outcome, now: dt.datetime, report: LinkReport
) -> Blocks:
    """Write each file's fetch block; the blocks before and after, of the files written."""
    written: Blocks = []

    def merge(old: object) -> dict[str, object]:
        block = merged_fetch(old, outcome, now)
        written.append((old if isinstance(old, dict) else {}, block))
        return block

    for path in paths:
        if problem := write_fetch(root, path, merge, now):
            report.unwritten[path] = problem
            written.pop()
    return written


def write_fetch(
    root: Path,
    relative: str,
    merge: Callable[[object], dict[str, object] | None],
    now: dt.datetime,
) -> str | None:
    """Set the file's fetch block (``merge`` of the old one; None leaves the file alone)
    and nothing else; keep its comments; write atomically, and only if the new text passes
    every check the old one passed. Returns why a file was left alone, or None."""
    path = root / relative
    text = path.read_text(encoding="utf-8")
    parsed = read_document(text.encode())
    if not isinstance(parsed, Document) or not isinstance(parsed.data, dict):
        return None  # it changed under us; the next run will see it
    before = _errors(relative, parsed, now)
    block = merge(parsed.data.get("fetch"))
    if block is None:
        return None
    parsed.data["fetch"] = block
    shard = f"{RESOURCES_DIR}/{path.parent.name}/{path.name}"
    new = render(parsed.data, order_for(shard), extract_comments(parsed.root, text))
    if new == text:
        return None
    reparsed = read_document(new.encode())
    added = _errors(relative, reparsed, now) - before if isinstance(reparsed, Document) else {""}
    if added:
        return (
            "not written: the result would not pass validation ("
            + "; ".join(sorted(added))[:300]
            + ")"
        )
    atomic_write(path, new.encode(), durable=False)  # thousands of files: no fsync each
    return None


def _errors(path: str, document: Document, now: dt.datetime) -> set[str]:
    result = check_resource(path, document, now.date())
    return {
        f"{finding.code} {finding.message}"
        for finding in result.findings
        if finding.severity is Severity.ERROR
    }
