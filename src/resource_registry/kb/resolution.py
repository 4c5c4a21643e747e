"""What the pages cite: each mention resolved to resource rows, with the findings on it,
and the pages each resource must list in its `cited_by`."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from resource_registry.base.findings import Finding
from resource_registry.base.safetext import refused_character
from resource_registry.check.catalog_rules import KeyTable
from resource_registry.kb.findings import Where, describe, finding
from resource_registry.kb.mentions import COMPONENT, CONVERTIBLE, LINK_KINDS, Mention, Scan
from resource_registry.kb.pages import Discovery, Page
from resource_registry.kb.targets import Resolved, Targets
from resource_registry.record.urls import shape_problem


@dataclass(slots=True)
class Edges:
    """Resource row → page id → the first place (page, mention) it is cited from."""

    places: dict[int, dict[str, tuple[Page, Mention]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    findings: list[Finding] = field(default_factory=list)
    convertible: dict[str, list[tuple[Mention, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    unregistered: dict[str, tuple[Page, Mention]] = field(default_factory=dict)


def resolve(
    discovery: Discovery,
    scans: Mapping[str, Scan],
    targets: Targets,
    where: Where,
    links: frozenset[str] = LINK_KINDS,
) -> Edges:
    edges = Edges()
    for page in discovery.pages:
        found = scans.get(page.relative)
        if found is None:
            continue
        path = where.page(page.relative)
        for mention in found.mentions:
            if mention.kind != COMPONENT and mention.kind not in links:
                continue  # a syntax the configuration does not count
            resolved = _target(path, page, mention, targets, edges)
            if resolved is None:
                continue
            if resolved.retired is not None:
                edges.findings.append(_retired(path, mention, resolved, targets.table))
            for row in resolved.rows:
                edges.places[row].setdefault(page.page_id, (page, mention))
            if mention.kind != COMPONENT and resolved.retired is None and not mention.inside:
                edges.findings.append(_unconverted(path, mention, resolved, targets.table))
                if _convertible(mention, resolved):
                    edges.convertible[page.relative].append((mention, resolved.rows[0]))
    return edges


def _target(
    path: str, page: Page, mention: Mention, targets: Targets, edges: Edges
) -> Resolved | None:
    """What the mention names; None (with a finding where one is due) when nothing."""
    if mention.kind == COMPONENT:
        resolved = targets.by_id(mention.target)
        if resolved is None:
            edges.findings.append(_unknown(path, mention))
        return resolved
    if not mention.target.lower().startswith(("http://", "https://")):
        return None  # a link within the site, or mail: not a resource
    if (odd := _odd_url(mention.target)) is not None:
        edges.findings.append(finding(path, mention.line, mention.col, "K011", odd, "fix the link"))
        return None
    resolved = targets.by_url(mention.target)
    if resolved is None:
        edges.unregistered.setdefault(mention.target, (page, mention))
        edges.findings.append(_unregistered(path, mention))
    return resolved


_PLAIN_URL: Final = re.compile(r"[!-~]+\Z")  # printable ASCII, no space


def _convertible(mention: Mention, resolved: Resolved) -> bool:
    """Whether a link can be replaced by a reference as it stands: an inline link, an
    autolink or an `<a>` tag, to exactly one resource."""
    return mention.kind in CONVERTIBLE and mention.text is not None and len(resolved.rows) == 1


def _odd_url(url: str) -> str | None:
    if not _PLAIN_URL.match(url) and (
        any(char.isspace() for char in url) or refused_character(url, key=True)
    ):
        return f"the link's URL `{url}` holds a space, control or invisible character"
    problem = shape_problem(url)
    if problem == "credentials":
        return f"the link's URL `{url}` holds credentials"
    if problem is not None:
        return f"the link's URL `{url}` is not a well-formed http(s) URL"
    return None


def _unknown(path: str, mention: Mention) -> Finding:
    return finding(
        path, mention.line, mention.col, "K003",
        f"the reference names `{mention.target}`, which is no resource's stable ID or id",
        "correct the id (`resreg lookup` finds a resource by URL), or add the resource",
    )  # fmt: skip


def _retired(path: str, mention: Mention, resolved: Resolved, table: KeyTable) -> Finding:
    stone = resolved.retired or {}
    what = "reference" if mention.kind == COMPONENT else f"link to {mention.target}"
    head = f"the {what} names the retired resource {stone.get('stable_id')}"
    redirect = resolved.redirect
    if resolved.rows:
        row = resolved.rows[0]
        return finding(
            path, mention.line, mention.col, "K004",
            f"{head}; its successor is {describe(table, row)}, which is counted as cited",
            f"name the successor: `{table.stable_ids[row]}` (id `{table.ids[row]}`)",
        )  # fmt: skip
    why = (
        f"its chain of successors is broken ({redirect.broken})"
        if redirect and redirect.broken
        else "it was withdrawn"
    )
    return finding(
        path, mention.line, mention.col, "K004",
        f"{head} ({stone.get('reason', 'no reason given')}); {why}",
        "remove the reference or cite another resource",
    )  # fmt: skip


def _unregistered(path: str, mention: Mention) -> Finding:
    return finding(
        path, mention.line, mention.col, "K006",
        f"the link to {mention.target} names no resource in the registry",
        "`resreg citations --add` creates resources for such links (or `resreg new URL`)",
    )  # fmt: skip


def _unconverted(path: str, mention: Mention, resolved: Resolved, table: KeyTable) -> Finding:
    row = resolved.rows[0]
    which = describe(table, row) + (
        f" and {len(resolved.rows) - 1} more" if len(resolved.rows) > 1 else ""
    )
    convertible = _convertible(mention, resolved)
    return finding(
        path, mention.line, mention.col, "K005",
        f"a link to {which} ({resolved.how} match) that is not a reference",
        "`resreg citations --convert` rewrites it as a reference"
        if convertible
        else f"rewrite it by hand as a reference naming `{table.ids[row]}`",
    )  # fmt: skip


def derive_cited_by(discovery: Discovery, edges: Edges, table: KeyTable) -> dict[int, set[str]]:
    """The pages each resource row must list: those whose references name it, and the
    recorded ones of pages that could not be read."""
    derived: dict[int, set[str]] = {row: set(pages) for row, pages in edges.places.items()}
    unknown = {page.page_id for page in discovery.pages if not page.readable}
    if unknown:
        for row, recorded in enumerate(table.cited_by):
            if kept := unknown.intersection(recorded):
                derived.setdefault(row, set()).update(kept)
    return derived
