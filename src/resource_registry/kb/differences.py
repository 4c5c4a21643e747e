"""Where the registry's `cited_by` and ``data/pages.yaml`` differ from what the pages say,
as findings (`resreg citations` without ``--write``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from resource_registry.base.findings import Finding
from resource_registry.check.catalog_rules import KeyTable
from resource_registry.kb import pagelist
from resource_registry.kb.findings import FIX, Where, describe, finding
from resource_registry.kb.pages import Discovery
from resource_registry.kb.resolution import Edges
from resource_registry.record import layout


def differences(
    root: Path,
    table: KeyTable,
    derived: Mapping[int, set[str]],
    edges: Edges,
    present: Mapping[str, str],
    where: Where,
) -> list[Finding]:
    found: list[Finding] = []
    for row, stable_id in enumerate(table.stable_ids):
        if not stable_id:
            continue
        recorded, wanted = set(table.cited_by[row]), derived.get(row, set())
        if recorded == wanted:
            continue
        for page_id in sorted(wanted - recorded):
            page, mention = edges.places[row][page_id]
            found.append(
                finding(
                    where.page(page.relative), mention.line, mention.col, "K001",
                    f"this page ({page_id}) cites {describe(table, row)}, whose `cited_by` "
                    f"does not list `{page_id}`",
                    FIX,
                )
            )  # fmt: skip
        extra = sorted(recorded - wanted)
        if extra:
            line = _cited_by_line(root, table.paths[row])
            for page_id in extra:
                why = (
                    f"but that page ({present[page_id]}) has no reference to it"
                    if page_id in present
                    else "but no page has that id"
                )
                found.append(
                    finding(
                        table.paths[row], line, 1 if line else 0, "K002",
                        f"`cited_by` lists `{page_id}`, {why}", FIX,
                    )
                )  # fmt: skip
    return found


def _cited_by_line(root: Path, path: str) -> int:
    try:
        data = layout.read_capped(os.path.join(root, path))
    except OSError:
        return 0
    at = data.find(b"\ncited_by:")
    return data.count(b"\n", 0, at + 1) + 1 if at >= 0 else 0


def plan_findings(plan: pagelist.Plan, discovery: Discovery, where: Where) -> list[Finding]:
    by_id = {page.page_id: page for page in discovery.pages}
    found = [
        finding(
            where.page(by_id[page_id].relative), 1, 1, "K012",
            f"{layout.PAGES} has no entry for this page (`{page_id}`)", FIX,
        )
        for page_id in plan.added
    ]  # fmt: skip
    found += (
        finding(
            where.page(by_id[page_id].relative), 1, 1, "K012",
            f"{layout.PAGES}'s entry for `{page_id}` differs from the page's front matter "
            f"in {', '.join(f'`{key}`' for key in keys)}",
            FIX,
        )
        for page_id, keys in plan.updated.items()
    )  # fmt: skip
    found += (
        finding(
            where.page(by_id[page_id].relative), 1, 1, "K012",
            f"{layout.PAGES} has more than one entry for `{page_id}`", FIX,
        )
        for page_id in dict.fromkeys(plan.duplicates)
    )  # fmt: skip
    return found + vanished_findings(plan, keep_only=False)


def vanished_findings(plan: pagelist.Plan, *, keep_only: bool) -> list[Finding]:
    kept = {str(entry.get("id")) for entry in plan.entries}
    return [
        finding(
            layout.PAGES, 0, 0, "K013",
            f"the page `{page_id}` is in {layout.PAGES} but not in the pages folder"
            + ("; its entry stays while a `cited_by` that was not rewritten lists it"
               if page_id in kept else ""),
            "`resreg citations --write` removes its entry and every `cited_by` listing it",
        )
        for page_id in plan.vanished
        if not keep_only or page_id in kept
    ]  # fmt: skip
