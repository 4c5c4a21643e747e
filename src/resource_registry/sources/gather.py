"""Asking the sources about many URLs: identifiers first, then the page, then the
publication by domain; the first usable value of each field wins.

Order (see the package docstring of each adapter):

1. arXiv, DOI content negotiation and the three forums' GraphQL APIs, together (they are
   different hosts), each in batches as large as the API allows;
2. Semantic Scholar, for what is still missing;
3. the page itself, for what is still missing (always, with ``page="always"``, which
   ``new`` asks for the ``fetch`` block): its tags, then main-text extraction for author
   and date, or, for a PDF, its document information and XMP;
4. the publication, by the URL's domain against ``data/publications.yaml``.

Values pass through :mod:`.clean`; what a source said that could not be used, sources
that disagree in one page's tags, a redirect to another host and a source that gave no
usable answer become notes (M004-M008), which callers turn into findings.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from resource_registry.base.config import Endpoints
from resource_registry.sources import lookups
from resource_registry.sources.base import Claims, IdentifierSource, PageSource, Trouble
from resource_registry.sources.clean import clean
from resource_registry.sources.http import Answer, Client, Failure, HostPolicy
from resource_registry.sources.httpheaders import host_of

FILLABLE: Final = ("title", "type", "publication", "published_date", "authors", "abstract")
# Tags of one page that should agree; a page's <title> usually carries the site's name.
_TAG_SOURCES: Final = frozenset({"highwire", "json-ld", "dublin-core", "opengraph"})
ARXIV_INTERVAL: Final = 3.0  # arXiv asks for at least 3 s between requests
SEMANTICSCHOLAR_INTERVAL: Final = 1.0  # its rate for a key: one request a second
PAGE_ACCEPT: Final = "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.5"


@dataclass(frozen=True, slots=True)
class Note:
    """Something a caller reports as a finding: a code of the M family and a message."""

    code: str
    message: str
    hint: str | None = None


@dataclass(slots=True)
class Described:
    """What the sources said about one URL."""

    url: str
    wanted: frozenset[str]
    values: dict[str, object] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    page: Answer | Failure | None = None
    # every usable value of a field, by source, in the order asked (for check-metadata)
    seen: dict[str, list[tuple[str, object]]] = field(default_factory=dict)

    def missing(self) -> frozenset[str]:
        return self.wanted - self.values.keys()


@dataclass(frozen=True, slots=True)
class Settings:
    endpoints: Endpoints = field(default_factory=Endpoints)
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())
    page: Literal["always", "when-needed", "never"] = "when-needed"
    only: frozenset[str] | None = None  # source names to use (`--source`); None: all
    arxiv_interval: float = ARXIV_INTERVAL
    semanticscholar_interval: float = SEMANTICSCHOLAR_INTERVAL
    semanticscholar_key: str | None = None
    publications: Sequence[tuple[str, Sequence[str]]] = ()  # (id, domains)


def host_policies(settings: Settings) -> dict[str, HostPolicy]:
    """Politeness per API host: arXiv one request at a time, ``arxiv_interval`` apart;
    Semantic Scholar one at a time, a second apart (its rate for a key)."""
    endpoints = settings.endpoints
    policies: dict[str, HostPolicy] = {}
    for endpoint, interval in (
        (endpoints.arxiv, settings.arxiv_interval),
        (endpoints.semanticscholar, settings.semanticscholar_interval),
    ):
        host = host_of(endpoint)
        known = policies.get(host)  # two APIs on one host (a mirror): the stricter rule
        policies[host] = HostPolicy(1, max(interval, known.interval if known else 0.0))
    return policies


def identifier_sources(settings: Settings) -> tuple[list[IdentifierSource], list[IdentifierSource]]:
    """The first round of identifier sources (asked together) and the second."""
    from resource_registry.sources.arxiv import Arxiv  # noqa: PLC0415 - reason: lazy
    from resource_registry.sources.doi import Doi  # noqa: PLC0415 - reason: lazy
    from resource_registry.sources.forums import Forum  # noqa: PLC0415 - reason: lazy
    from resource_registry.sources.semanticscholar import (  # noqa: PLC0415 - reason: lazy
        SemanticScholar,
    )

    endpoints = settings.endpoints
    first: list[IdentifierSource] = [
        Arxiv(endpoints.arxiv),
        Doi(endpoints.doi),
        Forum("lesswrong", endpoints.lesswrong),
        Forum("alignmentforum", endpoints.alignmentforum),
        Forum("eaforum", endpoints.eaforum),
    ]
    second: list[IdentifierSource] = [
        SemanticScholar(endpoints.semanticscholar, settings.semanticscholar_key)
    ]
    return _allowed(first, settings), _allowed(second, settings)


def page_sources() -> list[PageSource]:
    """In order of trust: the page's structured tags, its main text, its plain HTML
    (``<title>`` usually carries the site's name too), a PDF's metadata."""
    from resource_registry.sources.extraction import MainText  # noqa: PLC0415 - reason: lazy
    from resource_registry.sources.pdf import PdfMetadata  # noqa: PLC0415 - reason: lazy

    tags = _Tags()
    return [tags, MainText(), _PlainHtml(tags), PdfMetadata()]


class _Tags:
    """The page's structured tags, as several sources (Highwire, JSON-LD, DC, OG); the
    plain HTML claims are kept for :class:`_PlainHtml`."""

    name = "tags"

    def __init__(self) -> None:
        self.plain: dict[int, list[Claims]] = {}

    def read(self, page: Answer) -> Sequence[Claims]:
        from resource_registry.sources.pagetags import read_tags  # noqa: PLC0415 - reason: lazy

        claims = read_tags(page)
        self.plain[id(page)] = [claim for claim in claims if claim.source == "html-meta"]
        return [claim for claim in claims if claim.source != "html-meta"]


class _PlainHtml:
    name = "html-meta"

    def __init__(self, tags: _Tags) -> None:
        self.tags = tags

    def read(self, page: Answer) -> Sequence[Claims]:
        if id(page) not in self.tags.plain:
            self.tags.read(page)
        return self.tags.plain.pop(id(page), [])


def _allowed(sources: list[IdentifierSource], settings: Settings) -> list[IdentifierSource]:
    return [s for s in sources if settings.only is None or s.name in settings.only]


async def describe(
    targets: Mapping[str, frozenset[str]],
    settings: Settings,
    client: Client,
    *,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Described]:
    """Ask the sources about every URL of ``targets`` (URL -> fields wanted)."""
    found = {url: Described(url, wanted) for url, wanted in targets.items()}
    first, second = identifier_sources(settings)
    await asyncio.gather(*(_ask(source, found, settings, client) for source in first))
    for source in second:
        await _ask(source, found, settings, client)
    if settings.page != "never":
        readers = page_sources()
        pending = [
            item
            for item in found.values()
            if settings.page == "always" or (item.missing() - {"publication"})
        ]
        await asyncio.gather(*(_read_page(item, readers, settings, client) for item in pending))
    if settings.only is None or "domains" in settings.only:
        for item in found.values():
            if "publication" in item.missing():
                _match_publication(item, settings.publications)
    if progress is not None:
        for url in found:
            progress(url)
    return found


async def _ask(
    source: IdentifierSource, found: dict[str, Described], settings: Settings, client: Client
) -> None:
    by_id: dict[str, list[Described]] = {}
    for item in found.values():
        if item.missing() - {"publication"} and (key := source.identifier(item.url)):
            by_id.setdefault(key, []).append(item)
    if not by_id:
        return
    answers = await lookups.answers(source, list(by_id), client)
    for key, items in by_id.items():
        answer = answers[key]
        for item in items:
            if isinstance(answer, Trouble):
                item.notes.append(Note("M004", f"{answer.source}: {answer.reason}"))
            else:
                take(item, answer, settings.today)


async def _read_page(
    item: Described, readers: Sequence[PageSource], settings: Settings, client: Client
) -> None:
    page = await client.get(item.url, accept=PAGE_ACCEPT)
    item.page = page
    if (note := _page_note(item.url, page)) is not None:
        item.notes.append(note)
    if isinstance(page, Answer) and page.ok:
        read_page(item, page, readers, settings)


def read_page(
    item: Described, page: Answer, readers: Sequence[PageSource], settings: Settings
) -> None:
    """Fill ``item``'s missing fields from what ``page`` states, reader by reader."""
    for reader in readers:
        missing = item.missing() - {"publication"}
        if not missing:
            break
        if not missing & getattr(reader, "fields", missing):
            continue  # it can give nothing that is missing: do not pay for it
        try:
            claims = reader.read(page)
        except Exception as error:  # a parser's bug on hostile input is a finding, not a crash
            item.notes.append(
                Note("M004", f"{reader.name}: could not read the page ({error!r:.100})")
            )
            continue
        for claim in claims:
            if settings.only is None or claim.source in settings.only:
                take(item, claim, settings.today)


def _page_note(url: str, page: Answer | Failure) -> Note | None:
    if isinstance(page, Failure):
        return Note("M004", f"the page gave no answer: {page.reason}")
    if not page.ok:
        return Note("M004", f"the page answered HTTP {page.status}")
    if _other_host(url, page.final_url):
        return Note(
            "M008",
            f"the page redirected to another host ({host_of(page.final_url)}); "
            "its metadata was used",
            "check that the URL still points at the resource",
        )
    return None


def _other_host(url: str, final: str) -> bool:
    return host_of(url).removeprefix("www.") != host_of(final).removeprefix("www.")


def take(item: Described, claims: Claims, today: dt.date) -> None:
    """Fill ``item``'s missing fields from ``claims``; note what could not be used."""
    for name, raw in claims.values.items():
        if name not in FILLABLE or name not in item.wanted:
            continue
        cleaned = clean(name, raw, today)
        if cleaned.dropped:
            item.notes.append(
                Note("M005", f"{claims.source} gave {cleaned.dropped} for `{name}`; not used")
            )
        if cleaned.value is None:
            continue
        item.seen.setdefault(name, []).append((claims.source, cleaned.value))
        if name not in item.values:
            item.values[name] = cleaned.value
            item.sources[name] = claims.source
            if cleaned.cut:
                item.notes.append(Note("M006", f"`{name}` from {claims.source}: {cleaned.cut}"))
        elif claims.source in _TAG_SOURCES and item.sources[name] in _TAG_SOURCES:
            _conflict(item, name, claims.source, cleaned.value)


def _conflict(item: Described, name: str, source: str, value: object) -> None:
    kept = item.values[name]
    if name == "title" and isinstance(kept, str) and isinstance(value, str):
        from resource_registry.sources.compare import same_title  # noqa: PLC0415 - reason: lazy

        if same_title(kept, value):
            return
    elif name == "published_date" and isinstance(kept, str) and isinstance(value, str):
        shorter = min(len(kept), len(value))
        if kept[:shorter] == value[:shorter]:
            return
    elif name not in ("title", "published_date"):
        return
    if any(note.code == "M007" and f"`{name}`" in note.message for note in item.notes):
        return
    item.notes.append(
        Note(
            "M007",
            f"the page's tags disagree on `{name}`: {item.sources[name]} says "
            f"{_short(kept)}, {source} says {_short(value)}; kept {item.sources[name]}'s",
            f"check the `{name}` written",
        )
    )


def _short(value: object) -> str:
    text = str(value)
    return repr(text[:80] + ("…" if len(text) > 80 else ""))


def _match_publication(item: Described, publications: Sequence[tuple[str, Sequence[str]]]) -> None:
    if match := publication_for(item.url, publications):
        item.values["publication"] = match
        item.sources["publication"] = "domains"


def publication_for(url: str, publications: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    """The publication whose ``domains`` hold the URL's host (or a parent domain, or a
    host and path prefix); the most specific match wins."""
    from urllib.parse import urlsplit  # noqa: PLC0415 - reason: small

    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".").removeprefix("www.")
    except ValueError:
        return None
    path = parts.path or "/"
    best: tuple[int, str] | None = None
    for publication, domains in publications:
        for domain in domains:
            name, _, prefix = domain.lower().removeprefix("www.").partition("/")
            if host != name and not host.endswith("." + name):
                continue
            if prefix and not (path + "/").startswith("/" + prefix.rstrip("/") + "/"):
                continue
            score = len(domain)
            if best is None or score > best[0]:
                best = (score, publication)
    return best[1] if best else None
