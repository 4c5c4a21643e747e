"""``resreg check-metadata``: the stored title, authors and date against what the
sources say now. Differences are warnings (M001-M003) at the field's line; titles are
compared fuzzily (:mod:`.compare`), so case, punctuation and spacing are not
differences; a date agrees when it agrees at the precision both have. Nothing is
written."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from resource_registry.base.findings import Finding
from resource_registry.check.file_result import Locator
from resource_registry.sources import compare
from resource_registry.sources.filling import as_findings
from resource_registry.sources.gather import Described, Settings, describe
from resource_registry.sources.http import Client

CHECKED: Final = ("title", "authors", "published_date")
CHUNK: Final = 500


@dataclass(slots=True)
class MetadataReport:
    files: int = 0
    compared: Counter[str] = field(default_factory=Counter)  # field -> files compared
    findings: list[Finding] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    from_cache: int = 0


def differences(located: Locator, record: dict[str, object], found: Described) -> list[Finding]:
    """M001-M003 for each checked field the record and a source both have."""
    out = []
    for name in CHECKED:
        stored, current = record.get(name), found.values.get(name)
        if stored is None or current is None:
            continue
        source = found.sources[name]
        if finding := _difference(located, name, stored, current, source):
            out.append(finding)
    return out


def _difference(
    located: Locator, name: str, stored: object, current: object, source: str
) -> Finding | None:
    if name == "title" and isinstance(stored, str) and isinstance(current, str):
        score = compare.title_similarity(stored, current)
        if score >= compare.TITLE_SIMILARITY:
            return None
        return located.at(
            "M001",
            ("title",),
            f"the title differs from {source}'s {current!r:.200} ({score:.0f}% similar)",
            "correct the title, or keep it if the source is wrong",
        )
    if name == "authors" and isinstance(stored, list) and isinstance(current, list):
        if compare.same_authors([str(a) for a in stored], [str(a) for a in current]):
            return None
        shown = ", ".join(str(a) for a in current[:5]) + (", ..." if len(current) > 5 else "")
        return located.at(
            "M002",
            ("authors",),
            f"the authors differ from {source}'s [{shown:.300}]",
            "correct the authors, or keep them if the source is wrong",
        )
    if name == "published_date" and isinstance(stored, str) and isinstance(current, str):
        if compare.same_date(stored, current):
            return None
        return located.at(
            "M003",
            ("published_date",),
            f"the date differs from {source}'s {current}",
            "correct the date, or keep it if the source is wrong",
        )
    return None


async def check_metadata(
    root: Path, paths: Sequence[str], settings: Settings, client: Client
) -> MetadataReport:
    report = MetadataReport(files=len(paths))
    loaded = _loaded(root, paths)
    async with client:
        for start in range(0, len(loaded), CHUNK):
            chunk = loaded[start : start + CHUNK]
            wanted: dict[str, frozenset[str]] = {}
            for _, _, record in chunk:
                url = str(record["url"])
                wanted[url] = wanted.get(url, frozenset()) | _checked(record)
            described = await describe(wanted, settings, client)
            for path, located, record in chunk:
                found = described[str(record["url"])]
                report.findings.extend(as_findings(path, found.notes))
                report.findings.extend(differences(located, record, found))
                report.compared.update(name for name in _checked(record) if name in found.values)
    report.requests = client.sent
    report.from_cache = client.from_cache
    return report


def _checked(record: dict[str, object]) -> frozenset[str]:
    return frozenset(name for name in CHECKED if name in record)


def _loaded(root: Path, paths: Sequence[str]) -> list[tuple[str, Locator, dict[str, object]]]:
    from resource_registry.record.reader import Document, read_document  # noqa: PLC0415 - reason: lazy

    out = []
    for path in paths:
        try:
            data = (root / path).read_bytes()
        except OSError:
            continue
        parsed = read_document(data)
        if not isinstance(parsed, Document) or not isinstance(parsed.data, dict):
            continue
        if isinstance(parsed.data.get("url"), str) and _checked(parsed.data):
            out.append((path, Locator(path, parsed.root), parsed.data))
    return out


def run(root: Path, paths: Sequence[str], settings: Settings, client: Client) -> MetadataReport:
    """:func:`check_metadata` on ``paths``, resource files (see ``enrich.resource_paths``)."""
    return asyncio.run(check_metadata(root, paths, settings, client))
