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

import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from resource_registry.base.codes import RULES
from resource_registry.base.config import KnowledgeBase
from resource_registry.base.errors import UsageError
from resource_registry.base.findings import Finding
from resource_registry.base.fsutil import atomic_write
from resource_registry.base.safetext import refused_character
from resource_registry.check.catalog_rules import KeyTable
from resource_registry.kb import pagelist
from resource_registry.kb.pages import Discovery, Page, discover, read, reread
from resource_registry.kb.scan import COMPONENT, CONVERTIBLE, LINK_KINDS, Flaw, Mention, Scan, scan
from resource_registry.kb.targets import Resolved, Targets
from resource_registry.record import layout
from resource_registry.record.reader import Document, read_document
from resource_registry.record.urls import shape_problem
from resource_registry.record.writer import extract_comments, order_for, render
from resource_registry.registry import lookup
from resource_registry.registry.validate import identities

_FIX: Final = "run `resreg citations --write`"


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


@dataclass(slots=True)
class _Edges:
    """Resource row → page id → the first place (page, mention) it is cited from."""

    places: dict[int, dict[str, tuple[Page, Mention]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    findings: list[Finding] = field(default_factory=list)
    convertible: dict[str, list[tuple[Mention, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    unregistered: dict[str, tuple[Page, Mention]] = field(default_factory=dict)


def run(root: Path, folder: Path, shown: str, settings: KnowledgeBase, options: Options) -> Outcome:
    """Check (and with ``options``, fix) the citations of the registry at ``root`` against
    the pages in ``folder``."""
    where = _Where(shown)
    discovery, scans = _read_pages(folder, shown, settings)
    outcome = Outcome(pages=len(discovery.pages))
    outcome.findings += _page_findings(discovery, scans, where)
    targets = _targets(root)
    links = frozenset(settings.links)
    edges = _resolve(discovery, scans, targets, where, links)
    if options.add and edges.unregistered:
        outcome.added, failures = _add(root, edges.unregistered)
        outcome.findings += failures
        targets = _targets(root)
        edges = _resolve(discovery, scans, targets, where, links)
    outcome.references = sum(len(found.mentions) for found in scans.values())
    outcome.findings += edges.findings
    derived = _derived(discovery, edges, targets.table)
    outcome.edges = sum(len(pages) for pages in derived.values())
    table = targets.table
    outcome.cited_by = {
        table.stable_ids[row]: frozenset(pages)
        for row, pages in derived.items()
        if pages and table.stable_ids[row]
    }
    made, flaws = _entries(discovery, scans, settings, where)
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


def _read_pages(
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
    outcome.rewritten, unwritten, kept = _write_cited_by(root, table, derived)
    outcome.findings += unwritten
    plan = pagelist.plan(existing, made, present, keep=kept)
    if plan.changed:
        _write_pages(root, plan, pages_text)
        outcome.pages_written = True
    outcome.findings += _vanished_findings(plan, keep_only=True)
    outcome.pages_plan = plan


def _check(
    root: Path,
    table: KeyTable,
    derived: Mapping[int, set[str]],
    made: Mapping[str, Mapping[str, Any]],
    discovery: Discovery,
    edges: _Edges,
    where: _Where,
    outcome: Outcome,
) -> None:
    """Every difference between the registry and the pages, as findings."""
    existing, _ = pagelist.read_entries(root)
    present = {page.page_id: where.page(page.relative) for page in discovery.pages}
    outcome.findings += _differences(root, table, derived, edges, present, where)
    plan = pagelist.plan(existing, made, present)
    outcome.findings += _plan_findings(plan, discovery, where)
    outcome.pages_plan = plan


def _convert_all(
    folder: Path,
    discovery: Discovery,
    edges: _Edges,
    table: KeyTable,
    settings: KnowledgeBase,
    where: _Where,
    outcome: Outcome,
) -> None:
    """Convert the links that can be, and drop their findings."""
    outcome.converted = _convert(folder, discovery, edges, table, settings)
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


class _Where:
    def __init__(self, shown: str) -> None:
        self._prefix = shown.rstrip("/") + "/" if shown not in ("", ".") else ""

    def page(self, relative: str) -> str:
        return self._prefix + relative


def _finding(path: str, line: int, col: int, code: str, message: str, hint: str | None) -> Finding:
    return Finding(path, line, col, code, RULES[code].severity, message, hint)


def _from_flaw(path: str, flaw: Flaw) -> Finding:
    return _finding(path, flaw.line, flaw.col, flaw.code, flaw.message, flaw.hint)


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


def _targets(root: Path) -> Targets:
    return Targets(identities(root), lookup.tombstones(root))


def _page_findings(discovery: Discovery, scans: Mapping[str, Scan], where: _Where) -> list[Finding]:
    found = [_from_flaw(where.page(relative), flaw) for relative, flaw in discovery.strays]
    owners: dict[str, list[Page]] = defaultdict(list)
    for page in discovery.pages:
        owners[page.page_id].append(page)
        found += (_from_flaw(where.page(page.relative), flaw) for flaw in page.flaws)
        if page.relative in scans:
            found += (
                _from_flaw(where.page(page.relative), flaw) for flaw in scans[page.relative].flaws
            )
    for page_id, pages in owners.items():
        if len(pages) > 1:
            others = ", ".join(where.page(page.relative) for page in pages)
            found += (
                _finding(
                    where.page(page.relative), 0, 0, "K014",
                    f"{len(pages)} pages have the id `{page_id}`: {others}",
                    "rename all but one; a page id names one page",
                )
                for page in pages
            )  # fmt: skip
    return found


def _resolve(
    discovery: Discovery,
    scans: Mapping[str, Scan],
    targets: Targets,
    where: _Where,
    links: frozenset[str] = LINK_KINDS,
) -> _Edges:
    edges = _Edges()
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
    path: str, page: Page, mention: Mention, targets: Targets, edges: _Edges
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
        edges.findings.append(
            _finding(path, mention.line, mention.col, "K011", odd, "fix the link")
        )
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


def _describe(table: KeyTable, row: int) -> str:
    return f"{table.stable_ids[row]} ({table.paths[row]})"


def _unknown(path: str, mention: Mention) -> Finding:
    return _finding(
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
        return _finding(
            path, mention.line, mention.col, "K004",
            f"{head}; its successor is {_describe(table, row)}, which is counted as cited",
            f"name the successor: `{table.stable_ids[row]}` (id `{table.ids[row]}`)",
        )  # fmt: skip
    why = (
        f"its chain of successors is broken ({redirect.broken})"
        if redirect and redirect.broken
        else "it was withdrawn"
    )
    return _finding(
        path, mention.line, mention.col, "K004",
        f"{head} ({stone.get('reason', 'no reason given')}); {why}",
        "remove the reference or cite another resource",
    )  # fmt: skip


def _unregistered(path: str, mention: Mention) -> Finding:
    return _finding(
        path, mention.line, mention.col, "K006",
        f"the link to {mention.target} names no resource in the registry",
        "`resreg citations --add` creates resources for such links (or `resreg new URL`)",
    )  # fmt: skip


def _unconverted(path: str, mention: Mention, resolved: Resolved, table: KeyTable) -> Finding:
    row = resolved.rows[0]
    which = _describe(table, row) + (
        f" and {len(resolved.rows) - 1} more" if len(resolved.rows) > 1 else ""
    )
    convertible = _convertible(mention, resolved)
    return _finding(
        path, mention.line, mention.col, "K005",
        f"a link to {which} ({resolved.how} match) that is not a reference",
        "`resreg citations --convert` rewrites it as a reference"
        if convertible
        else f"rewrite it by hand as a reference naming `{table.ids[row]}`",
    )  # fmt: skip


def _derived(discovery: Discovery, edges: _Edges, table: KeyTable) -> dict[int, set[str]]:
    """The pages each resource row must list: those whose references name it, and the
    recorded ones of pages that could not be read."""
    derived: dict[int, set[str]] = {row: set(pages) for row, pages in edges.places.items()}
    unknown = {page.page_id for page in discovery.pages if not page.readable}
    if unknown:
        for row, recorded in enumerate(table.cited_by):
            if kept := unknown.intersection(recorded):
                derived.setdefault(row, set()).update(kept)
    return derived


def _differences(
    root: Path,
    table: KeyTable,
    derived: Mapping[int, set[str]],
    edges: _Edges,
    present: Mapping[str, str],
    where: _Where,
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
                _finding(
                    where.page(page.relative), mention.line, mention.col, "K001",
                    f"this page ({page_id}) cites {_describe(table, row)}, whose `cited_by` "
                    f"does not list `{page_id}`",
                    _FIX,
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
                    _finding(
                        table.paths[row], line, 1 if line else 0, "K002",
                        f"`cited_by` lists `{page_id}`, {why}", _FIX,
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


def _entries(
    discovery: Discovery, scans: Mapping[str, Scan], settings: KnowledgeBase, where: _Where
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
        found += (_from_flaw(where.page(page.relative), flaw) for flaw in flaws)
    return made, found


def _plan_findings(plan: pagelist.Plan, discovery: Discovery, where: _Where) -> list[Finding]:
    by_id = {page.page_id: page for page in discovery.pages}
    found = [
        _finding(
            where.page(by_id[page_id].relative), 1, 1, "K012",
            f"{layout.PAGES} has no entry for this page (`{page_id}`)", _FIX,
        )
        for page_id in plan.added
    ]  # fmt: skip
    found += (
        _finding(
            where.page(by_id[page_id].relative), 1, 1, "K012",
            f"{layout.PAGES}'s entry for `{page_id}` differs from the page's front matter "
            f"in {', '.join(f'`{key}`' for key in keys)}",
            _FIX,
        )
        for page_id, keys in plan.updated.items()
    )  # fmt: skip
    found += (
        _finding(
            where.page(by_id[page_id].relative), 1, 1, "K012",
            f"{layout.PAGES} has more than one entry for `{page_id}`", _FIX,
        )
        for page_id in dict.fromkeys(plan.duplicates)
    )  # fmt: skip
    return found + _vanished_findings(plan, keep_only=False)


def _vanished_findings(plan: pagelist.Plan, *, keep_only: bool) -> list[Finding]:
    kept = {str(entry.get("id")) for entry in plan.entries}
    return [
        _finding(
            layout.PAGES, 0, 0, "K013",
            f"the page `{page_id}` is in {layout.PAGES} but not in the pages folder"
            + ("; its entry stays while a `cited_by` that was not rewritten lists it"
               if page_id in kept else ""),
            "`resreg citations --write` removes its entry and every `cited_by` listing it",
        )
        for page_id in plan.vanished
        if not keep_only or page_id in kept
    ]  # fmt: skip


def _write_cited_by(
    root: Path, table: KeyTable, derived: Mapping[int, set[str]]
) -> tuple[list[str], list[Finding], set[str]]:
    """Rewrite the `cited_by` of each resource whose list differs; return the paths
    rewritten, the files that could not be, and the pages those still list."""
    from resource_registry.cache.place import registry_lock  # noqa: PLC0415 - reason: writes only

    rewritten: list[str] = []
    failed: list[Finding] = []
    kept: set[str] = set()
    with registry_lock(root):
        for row, stable_id in enumerate(table.stable_ids):
            recorded, wanted = set(table.cited_by[row]), derived.get(row, set())
            if not stable_id or recorded == wanted:
                continue
            path = table.paths[row]
            if why := _rewrite(root, path, sorted(wanted)):
                failed.append(_finding(path, 0, 0, "K016", why, "fix it (`resreg validate`)"))
                kept |= recorded
            else:
                rewritten.append(path)
    return rewritten, failed, kept


def _rewrite(root: Path, path: str, cited_by: list[str]) -> str | None:
    """Set the file's `cited_by` and nothing else; None, or why it was left alone."""
    if layout.linked_part(root, path):
        return "the resource file is a symbolic link, so its `cited_by` was not rewritten"
    text = layout.read_capped(root / path).decode("utf-8", "replace")
    parsed = read_document(text.encode())
    if not isinstance(parsed, Document) or not isinstance(parsed.data, dict):
        return "the resource file does not parse, so its `cited_by` was not rewritten"
    record = parsed.data
    if cited_by:
        record["cited_by"] = cited_by
    else:
        record.pop("cited_by", None)
    new = render(record, order_for(path), extract_comments(parsed.root, text))
    if new != text:
        atomic_write(root / path, new.encode(), durable=False)  # many files: no fsync each
    return None


def _write_pages(root: Path, plan: pagelist.Plan, text: str) -> None:
    comments = None
    if text:
        parsed = read_document(text.encode())
        if isinstance(parsed, Document):
            comments = extract_comments(parsed.root, text)
    layout.refuse_links(root, layout.PAGES)
    atomic_write(
        root / layout.PAGES, render(plan.entries, order_for(layout.PAGES), comments).encode()
    )


def _convert(
    folder: Path,
    discovery: Discovery,
    edges: _Edges,
    table: KeyTable,
    settings: KnowledgeBase,
) -> dict[str, int]:
    """Rewrite each convertible link as a reference; every other character stays."""
    converted: dict[str, int] = {}
    pages = {page.relative: page for page in discovery.pages}
    for relative, mentions in edges.convertible.items():
        if not mentions:
            continue
        text = reread(folder, pages[relative], settings)
        if text is None:
            continue  # changed or swapped since it was read: leave it
        pieces: list[str] = []
        position = 0
        for mention, row in sorted(mentions, key=lambda item: item[0].start):
            if mention.start < position:
                continue  # inside a link converted already
            pieces += [text[position : mention.start], _reference(mention, row, table, settings)]
            position = mention.end
        pieces.append(text[position:])
        atomic_write(folder / relative, "".join(pieces).encode())
        converted[relative] = len(mentions)
    return converted


def _reference(mention: Mention, row: int, table: KeyTable, settings: KnowledgeBase) -> str:
    text = mention.text if mention.text and mention.text.strip() else mention.target
    return (
        settings.reference_form.replace("{id}", table.ids[row])
        .replace("{stable_id}", table.stable_ids[row])
        .replace("{text}", text)
    )


def _add(
    root: Path, unregistered: Mapping[str, tuple[Page, Mention]]
) -> tuple[list[str], list[Finding]]:
    """Create a resource for each unregistered URL, titled by its link's text, through
    ``resreg new`` (which refuses a URL that is a variant of one already added)."""
    from resource_registry.edit.authoring import DuplicateError, new_resource  # noqa: PLC0415 - reason: --add only

    added: list[str] = []
    failures: list[Finding] = []
    for url, (_page, mention) in unregistered.items():
        title = _title(mention) or url
        try:
            made = new_resource(root, url, title=title)
        except (DuplicateError, UsageError):
            continue  # a variant of a URL added just before: the next resolution finds it
        if made.path is None:
            failures += made.findings
        else:
            added.append(made.path.relative_to(root).as_posix())
    return added, failures


_MARKUP: Final = re.compile(r"[*_`]+|<[^>]*>")


def _title(mention: Mention) -> str:
    return " ".join(_MARKUP.sub("", mention.text or "").split())


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
