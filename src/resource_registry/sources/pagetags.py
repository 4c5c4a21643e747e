"""What an HTML page says about itself in its tags: Highwire Press ``citation_*`` (what
Google Scholar reads), schema.org JSON-LD, Dublin Core, OpenGraph and plain HTML
(``<title>``, ``<meta name="author">``), one :class:`Claims` for each, in that order of
trust.

The page is decoded by its declared charset (header, then ``<meta charset>``), else as
UTF-8, else as Windows-1252, which decodes any byte. Only the first
:data:`MAX_HTML_CHARS` characters are parsed.
"""

from __future__ import annotations

import codecs
import json
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from html.parser import HTMLParser
from typing import Final

from resource_registry.sources.base import Claims
from resource_registry.sources.http import Answer

MAX_HTML_CHARS: Final = 3_000_000
MAX_JSON_LD: Final = 20
_META_CHARSET: Final = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)
_URL_LIKE: Final = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})

# schema.org types (and their common subtypes) -> resource type
_JSON_LD_TYPES: Final = {
    "scholarlyarticle": "paper",
    "medicalscholarlyarticle": "paper",
    "book": "book",
    "chapter": "book",
    "report": "report",
    "blogposting": "blog",
    "socialmediaposting": "blog",
    "discussionforumposting": "blog",
    "podcastepisode": "podcast",
    "legislation": "government",
}
_JSON_LD_CONTENT: Final = frozenset(
    {
        "article",
        "newsarticle",
        "techarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "creativework",
        "videoobject",
        "thesis",
        *_JSON_LD_TYPES,
    }
)


def is_html(page: Answer) -> bool:
    if page.content_type in HTML_TYPES:
        return True
    return page.content_type is None and page.body.lstrip()[:15].lower().startswith(
        (b"<!doctype html", b"<html")
    )


def decode(page: Answer) -> str:
    """The page's text, by its declared charset when Python knows it."""
    for declared in (page.charset, _sniffed_charset(page.body)):
        if declared:
            try:
                codecs.lookup(declared)
            except LookupError:
                continue
            return page.body.decode(declared, errors="replace")
    try:
        return page.body.decode("utf-8")
    except UnicodeDecodeError:
        return page.body.decode("cp1252", errors="replace")


def _sniffed_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii").lower() if match else None


class _Collector(HTMLParser):
    """Meta tags (by lower-cased name or property, in order), the title and JSON-LD."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: defaultdict[str, list[str]] = defaultdict(list)
        self.title: list[str] = []
        self.json_ld: list[str] = []
        self._in: str | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name.lower(): value or "" for name, value in attrs}
        if tag == "meta":
            key = attributes.get("name") or attributes.get("property") or ""
            key = key or attributes.get("itemprop", "")
            if key and "content" in attributes and len(self.meta[key.lower()]) < 2000:
                self.meta[key.strip().lower()].append(attributes["content"])
        elif tag == "title" and self._in is None and not self.title:
            self._in, self._buffer = "title", []
        elif tag == "script" and attributes.get("type", "").strip().lower() == (
            "application/ld+json"
        ):
            self._in, self._buffer = "json-ld", []

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self._buffer.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._in == "title" and tag == "title":
            self.title.append("".join(self._buffer))
            self._in = None
        elif self._in == "json-ld" and tag == "script":
            if len(self.json_ld) < MAX_JSON_LD:
                self.json_ld.append("".join(self._buffer))
            self._in = None


def collect(text: str) -> _Collector:
    collector = _Collector()
    try:
        collector.feed(text[:MAX_HTML_CHARS])
        collector.close()
    except (AssertionError, ValueError):  # html.parser's own complaints about broken markup
        pass
    return collector


def read_tags(page: Answer) -> list[Claims]:
    """Every vocabulary's claims about ``page`` (empty ones left out). Titles other
    than Highwire's lose the site's name (see :func:`without_site_name`)."""
    if not is_html(page):
        return []
    found = collect(decode(page))
    sites = site_names(found, page.final_url)
    claims = [highwire(found.meta)]
    for claim in (json_ld(found.json_ld), dublin_core(found.meta), opengraph(found.meta)):
        claims.append(_titled(claim, sites))
    claims.append(_titled(html_meta(found), sites))
    return [claim for claim in claims if claim.values]


# a bar, middle dot, single and double right angle quotes, colon, dashes or `::`, spaced
_SEPARATORS: Final = re.compile(r"\s+(?:[|\u00b7\u203a\u00bb:\u2013\u2014-]|::)\s+")
_NOT_ALNUM: Final = re.compile(r"[\W_]+")


def site_names(found: _Collector, url: str) -> list[str]:
    """What the page calls its site (``og:site_name``, ``application-name``), and its
    host name without ``www.`` and the top-level domain."""
    from urllib.parse import urlsplit  # noqa: PLC0415 - reason: small

    names = [
        value
        for key in ("og:site_name", "application-name", "twitter:site")
        for value in found.meta.get(key, [])
    ]
    try:
        host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        host = ""
    names.append(host.rsplit(".", 1)[0] if "." in host else host)
    return [name for name in names if _key(name)]


def _key(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold().lstrip("@"))


def without_site_name(title: str, sites: Sequence[str]) -> str:
    """``title`` without a leading or trailing part that names the site
    (``Title | Site``, ``Site - Title``); the title itself when no part does."""
    parts = _SEPARATORS.split(title.strip())
    if len(parts) < 2:
        return title
    keys = [_key(site) for site in sites]
    for index in (-1, 0):
        part = _key(parts[index])
        if part and any(
            part == key or (len(part) > 3 and (part in key or key in part)) for key in keys
        ):
            rest = parts[:-1] if index == -1 else parts[1:]
            separator = _SEPARATORS.search(title)
            joiner = separator.group(0) if separator else " - "
            return joiner.join(rest)
    return title


def _names_site(part: str, key: str) -> bool:
    return part == key or (len(part) > 3 and len(key) > 3 and (part in key or key in part))


def _titled(claim: Claims, sites: Sequence[str]) -> Claims:
    title = claim.values.get("title")
    if not isinstance(title, str):
        return claim
    return Claims(claim.source, {**claim.values, "title": without_site_name(title, sites)})


def _first(meta: dict[str, list[str]], *names: str) -> str | None:
    for name in names:
        for value in meta.get(name, ()):
            if value.strip():
                return value
    return None


def _all(meta: dict[str, list[str]], *names: str) -> list[str]:
    for name in names:
        values = [value for value in meta.get(name, ()) if value.strip()]
        if values:
            return values
    return []


def _values(**fields: object) -> dict[str, object]:
    return {name: value for name, value in fields.items() if value not in (None, [], "")}


def highwire(meta: dict[str, list[str]]) -> Claims:
    authors = _all(meta, "citation_author")
    if not authors and (joined := _first(meta, "citation_authors")):
        authors = [name for name in re.split(r"\s*;\s*", joined) if name]
    kind = None
    if _first(meta, "citation_journal_title", "citation_conference_title", "citation_arxiv_id"):
        kind = "paper"
    elif _first(meta, "citation_technical_report_institution", "citation_dissertation_institution"):
        kind = "report"
    elif _first(meta, "citation_book_title", "citation_isbn"):
        kind = "book"
    elif _first(meta, "citation_title"):
        kind = "paper"  # Highwire tags are written for scholarly works
    return Claims(
        "highwire",
        _values(
            title=_first(meta, "citation_title"),
            authors=authors,
            published_date=_first(
                meta, "citation_publication_date", "citation_date", "citation_online_date"
            ),
            abstract=_first(meta, "citation_abstract"),
            type=kind,
        ),
    )


def dublin_core(meta: dict[str, list[str]]) -> Claims:
    return Claims(
        "dublin-core",
        _values(
            title=_first(meta, "dc.title", "dcterms.title"),
            authors=_all(meta, "dc.creator", "dcterms.creator", "dc.creator.personalname"),
            published_date=_first(
                meta, "dcterms.issued", "dc.date.issued", "dc.date", "dcterms.date"
            ),
            abstract=_first(meta, "dcterms.abstract"),
        ),
    )


def opengraph(meta: dict[str, list[str]]) -> Claims:
    authors = [name for name in _all(meta, "article:author") if not _URL_LIKE.match(name)]
    return Claims(
        "opengraph",
        _values(
            title=_first(meta, "og:title"),
            authors=authors,
            published_date=_first(meta, "article:published_time", "og:published_time"),
        ),
    )


def html_meta(found: _Collector) -> Claims:
    authors = [name for name in _all(found.meta, "author") if not _URL_LIKE.match(name)]
    return Claims(
        "html-meta",
        _values(
            title=found.title[0] if found.title else None,
            authors=authors,
            published_date=_first(found.meta, "date", "pubdate", "publishdate"),
        ),
    )


def json_ld(scripts: Sequence[str]) -> Claims:
    """The first schema.org object that describes a work (not the site, a breadcrumb
    or an organization)."""
    for script in scripts:
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):
            continue
        for item in _objects(data, 0):
            kinds = _types(item)
            if not kinds & _JSON_LD_CONTENT:
                continue
            kind = next((_JSON_LD_TYPES[k] for k in sorted(kinds) if k in _JSON_LD_TYPES), None)
            return Claims(
                "json-ld",
                _values(
                    title=_string(item.get("headline")) or _string(item.get("name")),
                    authors=_people(item.get("author")),
                    published_date=_string(item.get("datePublished")),
                    abstract=_string(item.get("abstract")),
                    type=kind,
                ),
            )
    return Claims("json-ld")


def _objects(data: object, depth: int) -> Iterator[dict[str, object]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data[:50]:
            yield from _objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _objects(data["@graph"], depth + 1)


def _types(item: dict[str, object]) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1].lower() for k in kinds if isinstance(k, str)}


def _string(value: object) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    return value if isinstance(value, str) else None


def _people(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items[:5000]:
        if isinstance(item, str) and not _URL_LIKE.match(item):
            names.append(item)
        elif isinstance(item, dict) and isinstance(name := item.get("name"), str):
            names.append(name)
    return names
