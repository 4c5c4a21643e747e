"""The pages read and scanned once, and what they say of themselves: their flaws, repeated
ids and front matter (each page's entry in ``data/pages.yaml``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from resource_registry.base.config import KnowledgeBase
from resource_registry.base.errors import UsageError
from resource_registry.base.findings import Finding
from resource_registry.kb import pagelist
from resource_registry.kb.findings import Where, finding, from_flaw
from resource_registry.kb.mentions import LINK_KINDS, Flaw, Scan
from resource_registry.kb.pages import Discovery, Page, discover, read
from resource_registry.kb.scan import scan


def read_pages(
    folder: Path, shown: str, settings: KnowledgeBase
) -> tuple[Discovery, dict[str, Scan]]:
    """The pages and the scan of each one that can be read. A page whose id no resource
    could list, or whose front matter never ends, is not read."""
    if not folder.is_dir():
        raise UsageError(f"the pages folder {shown} does not exist (see --pages)")
    if unknown := sorted(set(settings.links) - LINK_KINDS):
        raise UsageError(
            f"resreg.toml: [knowledge_base] links: unknown kind `{unknown[0]}` "
            f"(known: {', '.join(sorted(LINK_KINDS))})"
        )
    discovery = discover(folder, settings)
    if not discovery.pages:
        raise UsageError(
            f"no pages in {shown} match {', '.join(settings.patterns)}; is it the pages folder?"
        )
    # one process: in worker processes (`parallel.map_chunks`) sending the scans back
    # cost a third of the work, and the pages took longer on the 2-core machine measured
    loaded = _load(folder, settings, discovery.pages)
    discovery.pages = [page for page, _ in loaded]
    scans = {page.relative: found for page, found in loaded if found is not None}
    return discovery, scans


def _bad_id(page_id: str) -> Flaw:
    return Flaw(
        "K014", 0, 0,
        f"the page's id `{page_id}` is not a valid page id (lowercase letters and digits, "
        "with `-`, `_` or `.` between them), so no resource can list it",
        "rename the file",
    )  # fmt: skip


def _load(
    folder: Path, settings: KnowledgeBase, pages: Sequence[Page]
) -> list[tuple[Page, Scan | None]]:
    """Read and scan each page. A page whose id no
    resource could list, or whose front matter never ends, counts as unread. The text is
    not kept: `--convert` reads the page again."""
    loaded: list[tuple[Page, Scan | None]] = []
    for page in pages:
        read(folder, page, settings)
        found = None
        if page.readable and not pagelist.valid_id(page.page_id):
            page.flaws.append(_bad_id(page.page_id))
            page.readable = False
        if page.readable and page.text is not None:
            found = scan(page.text, mdx=page.mdx, components=settings.components)
            if any(flaw.code == "K015" for flaw in found.flaws):
                page.flaws += found.flaws
                page.readable, found = False, None
        page.text = None
        loaded.append((page, found))
    return loaded


def page_findings(discovery: Discovery, scans: Mapping[str, Scan], where: Where) -> list[Finding]:
    found = [from_flaw(where.page(relative), flaw) for relative, flaw in discovery.strays]
    owners: dict[str, list[Page]] = defaultdict(list)
    for page in discovery.pages:
        owners[page.page_id].append(page)
        found += (from_flaw(where.page(page.relative), flaw) for flaw in page.flaws)
        if page.relative in scans:
            found += (
                from_flaw(where.page(page.relative), flaw) for flaw in scans[page.relative].flaws
            )
    for page_id, pages in owners.items():
        if len(pages) > 1:
            others = ", ".join(where.page(page.relative) for page in pages)
            found += (
                finding(
                    where.page(page.relative), 0, 0, "K014",
                    f"{len(pages)} pages have the id `{page_id}`: {others}",
                    "rename all but one; a page id names one page",
                )
                for page in pages
            )  # fmt: skip
    return found


def page_entries(
    discovery: Discovery, scans: Mapping[str, Scan], settings: KnowledgeBase, where: Where
) -> tuple[dict[str, dict[str, Any]], list[Finding]]:
    """The pages vocabulary entry of each readable page with a valid id, and the flaws of
    their front matter."""
    made: dict[str, dict[str, Any]] = {}
    found: list[Finding] = []
    for page in discovery.pages:
        scanned = scans.get(page.relative)
        if scanned is None or page.flaws or page.page_id in made:
            continue
        entry, flaws = pagelist.entry_for(
            page, scanned.front_matter, settings, scanned.front_matter_line
        )
        made[page.page_id] = entry
        found += (from_flaw(where.page(page.relative), flaw) for flaw in flaws)
    return made, found
