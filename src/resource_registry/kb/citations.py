"""``resreg citations``: every resource's `cited_by` is what the pages say.

A page cites a resource when it holds a reference component naming it or a link to its
URL (see :mod:`resource_registry.kb.scan` and :mod:`resource_registry.kb.targets`). A
reference to a retired resource counts for its successor, and is reported so that the
page names the successor itself. A page that cannot be read keeps the edges recorded for
it. Without ``write`` nothing is changed: every difference is a finding. With ``write``
the `cited_by` of each resource that differs is rewritten (nothing else in its file, in
canonical form, atomically) and ``data/pages.yaml`` follows the pages' front matter.
``convert`` rewrites links to registered resources into the configured reference form,
changing no other character of the page; ``add`` creates a resource (through
``resreg new``) for each linked URL the registry does not hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from resource_registry.base.config import KnowledgeBase
from resource_registry.base.findings import Finding
from resource_registry.check.catalog_rules import KeyTable
from resource_registry.kb import pagelist
from resource_registry.kb.differences import differences, plan_findings, vanished_findings
from resource_registry.kb.findings import Where
from resource_registry.kb.loading import page_entries, page_findings, read_pages
from resource_registry.kb.pages import Discovery
from resource_registry.kb.resolution import Edges, derive_cited_by, resolve
from resource_registry.kb.targets import Targets
from resource_registry.kb.writing import add_resources, convert_links, write_cited_by, write_pages
from resource_registry.record import layout
from resource_registry.registry import lookup
from resource_registry.registry.validate import identities


@dataclass(frozen=True, slots=True)
class Options:
    write: bool = False
    convert: bool = False
    add: bool = False


@dataclass(slots=True)
class Outcome:
    """What a run found and did. Paths of pages are shown under ``shown`` (the pages
    folder as the user named it); resource paths are relative to the registry root."""

    findings: list[Finding] = field(default_factory=list)
    pages: int = 0
    references: int = 0
    edges: int = 0
    rewritten: list[str] = field(default_factory=list)
    pages_plan: pagelist.Plan | None = None
    pages_written: bool = False
    converted: dict[str, int] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    # what the pages say: each cited resource's stable ID and the pages citing it
    cited_by: dict[str, frozenset[str]] = field(default_factory=dict)


def run(root: Path, folder: Path, shown: str, settings: KnowledgeBase, options: Options) -> Outcome:
    """Check (and with ``options``, fix) the citations of the registry at ``root`` against
    the pages in ``folder``."""
    where = Where(shown)
    discovery, scans = read_pages(folder, shown, settings)
    outcome = Outcome(pages=len(discovery.pages))
    outcome.findings += page_findings(discovery, scans, where)
    targets = _targets(root)
    links = frozenset(settings.links)
    edges = resolve(discovery, scans, targets, where, links)
    if options.add and edges.unregistered:
        outcome.added, failures = add_resources(root, edges.unregistered)
        outcome.findings += failures
        targets = _targets(root)
        edges = resolve(discovery, scans, targets, where, links)
    outcome.references = sum(len(found.mentions) for found in scans.values())
    outcome.findings += edges.findings
    derived = derive_cited_by(discovery, edges, targets.table)
    outcome.edges = sum(len(pages) for pages in derived.values())
    table = targets.table
    outcome.cited_by = {
        table.stable_ids[row]: frozenset(pages)
        for row, pages in derived.items()
        if pages and table.stable_ids[row]
    }
    made, flaws = page_entries(discovery, scans, settings, where)
    outcome.findings += flaws
    if options.write:
        _write(root, table, derived, made, discovery, outcome)
    else:
        _check(root, table, derived, made, discovery, edges, where, outcome)
    if options.convert:
        _convert_all(folder, discovery, edges, table, settings, where, outcome)
    # by place, as `validate` orders them; a key of plain tuples sorts ten times faster
    outcome.findings.sort(
        key=lambda item: (item.path, item.line, item.col, item.code, item.message)
    )
    return outcome


def _write(
    root: Path,
    table: KeyTable,
    derived: Mapping[int, set[str]],
    made: Mapping[str, Mapping[str, Any]],
    discovery: Discovery,
    outcome: Outcome,
) -> None:
    """Rewrite the `cited_by` that differ, then the pages vocabulary."""
    existing, pages_text = pagelist.read_entries(root)
    present = {page.page_id for page in discovery.pages}
    outcome.rewritten, unwritten, kept = write_cited_by(root, table, derived)
    outcome.findings += unwritten
    plan = pagelist.plan(existing, made, present, keep=kept)
    if plan.changed:
        write_pages(root, plan, pages_text)
        outcome.pages_written = True
    outcome.findings += vanished_findings(plan, keep_only=True)
    outcome.pages_plan = plan


def _check(
    root: Path,
    table: KeyTable,
    derived: Mapping[int, set[str]],
    made: Mapping[str, Mapping[str, Any]],
    discovery: Discovery,
    edges: Edges,
    where: Where,
    outcome: Outcome,
) -> None:
    """Every difference between the registry and the pages, as findings."""
    existing, _ = pagelist.read_entries(root)
    present = {page.page_id: where.page(page.relative) for page in discovery.pages}
    outcome.findings += differences(root, table, derived, edges, present, where)
    plan = pagelist.plan(existing, made, present)
    outcome.findings += plan_findings(plan, discovery, where)
    outcome.pages_plan = plan


def _convert_all(
    folder: Path,
    discovery: Discovery,
    edges: Edges,
    table: KeyTable,
    settings: KnowledgeBase,
    where: Where,
    outcome: Outcome,
) -> None:
    """Convert the links that can be, and drop their findings."""
    outcome.converted = convert_links(folder, discovery, edges, table, settings)
    done = {
        (where.page(relative), mention.line, mention.col)
        for relative in outcome.converted
        for mention, _ in edges.convertible[relative]
    }
    outcome.findings = [
        item
        for item in outcome.findings
        if not (item.code == "K005" and (item.path, item.line, item.col) in done)
    ]


def _targets(root: Path) -> Targets:
    return Targets(identities(root), lookup.tombstones(root))


def summary_counts(outcome: Outcome) -> Iterable[str]:
    """Lines on what a run did, for the text report."""
    if outcome.rewritten:
        yield f"rewrote the `cited_by` of {len(outcome.rewritten):,} resources"
    plan = outcome.pages_plan
    if outcome.pages_written and plan is not None:
        yield (
            f"{layout.PAGES}: {len(plan.added):,} added, {len(plan.updated):,} updated, "
            f"{len(plan.vanished):,} vanished, {len(plan.duplicates):,} repeated entries dropped"
        )
    if outcome.converted:
        yield (
            f"converted {sum(outcome.converted.values()):,} links into references in "
            f"{len(outcome.converted):,} pages"
        )
    if outcome.added:
        yield f"added {len(outcome.added):,} resources for unregistered links"
