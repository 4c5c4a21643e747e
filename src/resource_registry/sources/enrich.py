"""``resreg enrich``: fill the backlog from the sources.

Only missing fields are filled; a value a person wrote is replaced only for the fields
named with ``--overwrite``. Files are worked through in chunks of :data:`CHUNK`, so
that the APIs are asked in full batches; while the next chunk's requests wait for their
host's interval, each file of the last chunk is rewritten, atomically and in canonical
form with its comments: an interrupted run keeps what it wrote, and a rerun finds those
fields filled and the answers for the rest in the HTTP cache. A file is written only if
it passes every check the old one passed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import difflib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from resource_registry.base.findings import Finding, Severity
from resource_registry.base.fsutil import atomic_write
from resource_registry.check.file_rules import check_resource
from resource_registry.record import layout
from resource_registry.record.reader import Document, read_document
from resource_registry.record.writer import extract_comments, order_for, render
from resource_registry.sources.filling import as_findings
from resource_registry.sources.gather import FILLABLE, Described, Settings, describe
from resource_registry.sources.http import Client

CHUNK: Final = 100  # arXiv's batch size: each chunk is one arXiv request at most


@dataclass(frozen=True, slots=True)
class Options:
    fields: frozenset[str] = frozenset(FILLABLE)
    overwrite: frozenset[str] = frozenset()
    dry_run: bool = False


@dataclass(slots=True)
class EnrichReport:
    files: int = 0  # resource files looked at
    wanting: int = 0  # files that missed a field asked for
    changed: list[str] = field(default_factory=list)
    filled: Counter[tuple[str, str]] = field(default_factory=Counter)  # (field, source)
    findings: list[Finding] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    unwritten: dict[str, str] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)  # sent to the network, by host
    from_cache: int = 0

    def by_field(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}
        for (name, source), count in sorted(self.filled.items()):
            table.setdefault(name, {})[source] = count
        return table


@dataclass(frozen=True, slots=True)
class _Target:
    path: str
    text: str
    document: Document
    record: dict[str, Any]
    wanted: frozenset[str]

    @property
    def url(self) -> str:
        return str(self.record["url"])


def wanted_fields(record: dict[str, Any], options: Options) -> frozenset[str]:
    return frozenset(
        name for name in options.fields if name not in record or name in options.overwrite
    )


def read_targets(root: Path, paths: Sequence[str], options: Options) -> tuple[list[_Target], int]:
    """The files that miss a field asked for, and how many files were looked at.
    Files that do not parse are left to validation."""
    found = []
    for path in paths:
        try:
            text = (root / path).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        parsed = read_document(text.encode())
        if not isinstance(parsed, Document) or not isinstance(parsed.data, dict):
            continue
        if not isinstance(parsed.data.get("url"), str):
            continue
        if wanted := wanted_fields(parsed.data, options):
            found.append(_Target(path, text, parsed, parsed.data, wanted))
    return found, len(paths)


async def enrich(
    root: Path,
    paths: Sequence[str],
    options: Options,
    settings: Settings,
    client: Client,
    *,
    progress: Callable[[int], None] | None = None,
) -> EnrichReport:
    report = EnrichReport()
    targets, report.files = read_targets(root, paths, options)
    report.wanting = len(targets)
    if progress is not None:
        progress(report.files - len(targets))  # nothing to fill in these
    chunks = [targets[i : i + CHUNK] for i in range(0, len(targets), CHUNK)]

    def apply_all(chunk: list[_Target], described: dict[str, Described]) -> None:
        for target in chunk:
            _apply(root, target, described[target.url], options, settings, report)
        if progress is not None:
            progress(len(chunk))

    async with client:
        done: tuple[list[_Target], dict[str, Described]] | None = None
        for chunk in chunks:
            # the next chunk's requests go out (or wait for their host's interval) while
            # the files of the last one are written
            asking = asyncio.create_task(describe(_wanted(chunk), settings, client))
            if done is not None:
                await asyncio.to_thread(apply_all, *done)
            done = (chunk, await asking)
        if done is not None:
            apply_all(*done)
    report.requests = client.sent
    report.from_cache = client.from_cache
    return report


def _wanted(chunk: Sequence[_Target]) -> dict[str, frozenset[str]]:
    wanted: dict[str, frozenset[str]] = {}
    for target in chunk:
        wanted[target.url] = wanted.get(target.url, frozenset()) | target.wanted
    return wanted


def _apply(
    root: Path,
    target: _Target,
    found: Described,
    options: Options,
    settings: Settings,
    report: EnrichReport,
) -> None:
    report.findings.extend(as_findings(target.path, found.notes))
    record = dict(target.record)
    existing = record.get("sources")
    sources = dict(existing) if isinstance(existing, dict) else {}
    changes: list[tuple[str, str]] = []
    for name in FILLABLE:
        if name not in target.wanted or name not in found.values:
            continue
        value, source = found.values[name], found.sources[name]
        if record.get(name) == value and sources.get(name) == source:
            continue
        record[name] = value
        sources[name] = source
        changes.append((name, source))
    if not changes:
        return
    record["sources"] = sources
    new = render(
        record, order_for(target.path), extract_comments(target.document.root, target.text)
    )
    if new == target.text:
        return
    if problem := _new_errors(target, new, settings.today):
        report.unwritten[target.path] = problem
        return
    report.filled.update(changes)
    report.changed.append(target.path)
    if options.dry_run:
        report.diffs.append(_diff(target.path, target.text, new))
    else:
        atomic_write(root / target.path, new.encode(), durable=False)


def _new_errors(target: _Target, new: str, today: dt.date) -> str | None:
    before = _errors(target.path, target.document, today)
    parsed = read_document(new.encode())
    if not isinstance(parsed, Document):
        return "not written: the result would not parse"
    added = _errors(target.path, parsed, today) - before
    if added:
        return (
            "not written: the result would not pass validation ("
            + "; ".join(sorted(added))[:300]
            + ")"
        )
    return None


def _errors(path: str, document: Document, today: dt.date) -> set[str]:
    return {
        f"{item.code} {item.message}"
        for item in check_resource(path, document, today).findings
        if item.severity is Severity.ERROR
    }


def _diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
        )
    )


def resource_paths(root: Path, paths: Sequence[str]) -> list[str]:
    """The resource files among ``paths`` (all, when none), links left out (validation
    reports them; nothing is read or written through one)."""
    from resource_registry.edit import fmt as formatting  # noqa: PLC0415 - reason: only enrich needs it

    return [
        path
        for path in formatting.targets(root, paths)
        if path.startswith(f"{layout.RESOURCES_DIR}/") and not layout.linked_part(root, path)
    ]


def run(
    root: Path,
    paths: Sequence[str],
    options: Options,
    settings: Settings,
    client: Client,
    *,
    progress: Callable[[int], None] | None = None,
) -> EnrichReport:
    """:func:`enrich` on ``paths``, resource files (see :func:`resource_paths`)."""
    return asyncio.run(enrich(root, paths, options, settings, client, progress=progress))
