"""``resreg site``: a static, browsable site built from a released dataset.

Layout (every link is relative, so the site works from any base path, and can be browsed
from disk; search needs it served over HTTP)::

    index.html                    search, filters, browse by type and label, top resources
    r/<stable_id>.html            a page per resource, and one per retired stable ID
    id/<id>.html                  an alias per resource ID, pointing at its page
    types/ labels/ tags/ publications/ pages/   a listing per value (<key>.html, <key>~2.html...)
    tags.html publications.html pages.html      every value of those, with counts
    search/                       the split search index (see static/search.js)
    static/                       style.css, search.js
    site.json                     what was built from which dataset
    resreg-output.json            the mark that lets the next build replace this folder

The same dataset gives the same bytes: everything is sorted and the only dates are the
dataset's. The site is built in a temporary folder and swapped into place when complete.

A dataset may come from anyone, so the site trusts none of its values: every file name is
made from an ID that matches its pattern (a build with any other name is refused before
anything is written), only http(s) URLs become links (any other is shown as inert text),
and every value reaches a page through the templates' autoescaping.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources as package_files
from itertools import pairwise
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlencode, urlsplit

import jinja2
from markupsafe import Markup

from resource_registry.base.config import Site
from resource_registry.base.fsutil import create_file as _write_text
from resource_registry.base.fsutil import replacing_folder
from resource_registry.base.parallel import map_chunks
from resource_registry.base.safetext import windows_reserved
from resource_registry.cite import biblatex, csl, pagemeta
from resource_registry.cite.release import MEDIA_TYPES, WRITERS
from resource_registry.record.constraints import ID_PATTERN, SLUG_PATTERN, STABLE_ID_PATTERN
from resource_registry.record.layout import PROBLEM_FORM, PROBLEM_FORM_FIELD
from resource_registry.release import origin
from resource_registry.release.dataset import Dataset, DatasetError

SITE_NAME: Final = "Resource Registry"
MARKER: Final = "site.json"
LISTING_SIZE: Final = 200  # resources per listing page
DOCS_PER_CHUNK: Final = 1000  # search results metadata per file
TOP_RESOURCES: Final = 50
AUTHORS_SHOWN: Final = 3  # of a list longer than AUTHORS_IN_FULL, the rest is "and N more"
AUTHORS_IN_FULL: Final = 4
STOP_WORDS: Final = (
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is",
    "it", "its", "of", "on", "or", "that", "the", "this", "to", "was", "were", "will", "with",
)  # fmt: skip
_STOP: Final = frozenset(STOP_WORDS)
_WORD: Final = re.compile(r"[^\W_]+")
_COMBINING: Final = re.compile(r"[\u0300-\u036f]")
_FACETS: Final = (
    ("type", "Type"),
    ("label", "Label"),
    ("tag", "Tag"),
    ("publication", "Publication"),
)

_NAMES: Final = {  # what may become a file name, and what each is called in a refusal
    "stable_id": (re.compile(STABLE_ID_PATTERN), "stable ID"),
    "id": (re.compile(ID_PATTERN), "resource ID"),
    "slug": (re.compile(SLUG_PATTERN), "slug"),
}
_NAME_LENGTH: Final = 100  # the longest slug the models allow
_REFUSALS_SHOWN: Final = 20
# the raw text must start with the scheme: a browser sees exactly what was checked
_WEB_URL: Final = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f]+", re.IGNORECASE)
_UNPRINTABLE: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SiteResult:
    out: Path
    resources: int
    files: int


@dataclass(frozen=True, slots=True)
class _Shared:
    """What every page needs to know besides its own record (sent to each worker once)."""

    publications: Mapping[str, Record]
    pages: Mapping[str, Record]
    tag_names: Mapping[str, str]
    version: str
    commit: str
    dirty: bool  # built from changes that are in no commit
    repository: str = ""  # [site] repository: the "edit" and "report a problem" links
    branch: str = "main"


def build_site(
    data: Dataset, out: Path, *, jobs: int | None = None, site: Site | None = None
) -> SiteResult:
    """Write the whole site for ``data`` to ``out``, replacing an earlier site there.
    With ``site.repository``, each resource page links to its file's edit page and to the
    issue form for reporting a problem with it."""
    out = out.resolve()
    _refuse_unsafe_names(data)
    owned = partial(origin.is_ours, kind="site")
    with replacing_folder(out, owned=owned, kind="a site built by resreg") as staging:
        files = _write_site(data, staging, jobs, site or Site())
    return SiteResult(out, len(data.resources), files)


def _write_site(data: Dataset, folder: Path, jobs: int | None, site: Site) -> int:
    records = _by_importance(data.resources)
    shared = _Shared(
        publications={p["id"]: p for p in data.publications},
        pages={p["id"]: p for p in data.pages},
        tag_names={t["id"]: t.get("name", t["id"]) for t in data.tags},
        version=str(data.manifest.get("dataset_version", "")),
        commit=str(data.manifest.get("source_commit", "")),
        dirty=_is_dirty(data.manifest),
        repository=site.repository,
        branch=site.branch,
    )
    for name in ("r", "id"):
        (folder / name).mkdir()
    written = sum(map_chunks(partial(_write_resource_chunk, str(folder), shared), records, jobs))
    written += _write_retired(folder, data, records, shared)
    written += _write_listings(folder, records, data, shared)
    written += _write_search_index(folder, records, shared)
    written += _copy_static(folder)
    built = {
        "dataset_version": shared.version,
        "source_commit": shared.commit,
        "resources": len(records),
        "retired": len(data.tombstones),
        "files": written + 2,
    }
    _write_text(folder / MARKER, _json(built | ({"source_dirty": True} if shared.dirty else {})))
    _write_text(folder / origin.MARK, origin.mark_text("site", built))
    return written + 2


def _is_dirty(manifest: Mapping[str, Any]) -> bool:
    """Whether the dataset says it was exported from uncommitted changes. Without the key it
    is clean; any value but ``false`` counts as dirty, so that a site never claims more."""
    return "source_dirty" in manifest and manifest["source_dirty"] is not False


# --- what a hostile dataset may hold -------------------------------------------------------


def file_name(value: object, kind: str) -> str:
    """``value`` once it matches the pattern of ``kind`` (``stable_id``, ``id`` or
    ``slug``): the only way a value from the dataset becomes part of a path."""
    pattern, _ = _NAMES[kind]
    if (
        isinstance(value, str)
        and len(value) <= _NAME_LENGTH
        and pattern.fullmatch(value)
        and not windows_reserved(value)
    ):
        return value
    raise DatasetError(_refusal(value, kind))


def _refusal(value: object, kind: str) -> str:
    shown = ascii(value)  # escaped: the value never reaches a terminal raw
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    if isinstance(value, str) and windows_reserved(value):
        return f"{shown} is a name Windows reserves, so it cannot name a file of the site"
    return f"{shown} is not a {_NAMES[kind][1]}, so it cannot name a file of the site"


def _refuse_unsafe_names(data: Dataset) -> None:
    """Every name the site would write a file for, or link to, checked before any work."""
    refusals = [
        _refusal(value, kind) for value, kind in _file_names(data) if not _is_name(value, kind)
    ]
    if refusals:
        shown = refusals[:_REFUSALS_SHOWN]
        more = len(refusals) - len(shown)
        raise DatasetError(
            "the dataset holds values the site refuses as file names: "
            + "; ".join(shown)
            + (f"; and {more} more" if more else "")
        )


def _is_name(value: object, kind: str) -> bool:
    try:
        file_name(value, kind)
    except DatasetError:
        return False
    return True


def _file_names(data: Dataset) -> Iterator[tuple[object, str]]:
    for record in [*data.resources, *data.tombstones]:
        yield record.get("stable_id"), "stable_id"
        yield record.get("id"), "id"
    for record in data.resources:
        yield record.get("type"), "slug"
        for field in ("labels", "tags", "cited_by"):
            yield from ((value, "slug") for value in _listed(record, field))
        if "publication" in record:
            yield record["publication"], "slug"
    for vocabulary in (data.tags, data.publications, data.pages):
        yield from ((entry.get("id"), "slug") for entry in vocabulary)


def _listed(record: Record, field: str) -> list[object]:
    value = record.get(field, [])
    return value if isinstance(value, list) else [value]


def web_url(value: object) -> str | None:
    """``value`` if it is an http(s) URL that is safe as a link target, else None: a
    dataset may hold ``javascript:``, ``data:`` or control characters in any URL."""
    if not isinstance(value, str) or not _WEB_URL.fullmatch(value):
        return None
    if any(unicodedata.category(character) in _UNPRINTABLE for character in value):
        return None
    try:
        host = urlsplit(value).hostname
    except ValueError:  # such as an unclosed IPv6 bracket
        return None
    return value if host else None


def printable(value: object) -> str:
    """``value`` as text with every control, format or separator character spelt out
    (``[U+202E]``), for values shown but not trusted, such as a refused URL."""
    return "".join(
        f"[U+{ord(c):04X}]" if unicodedata.category(c) in _UNPRINTABLE else c for c in str(value)
    )


def _by_importance(resources: Iterable[Record]) -> list[Record]:
    """The order of every listing and of search: most important first; at equal importance
    (or none), cited by more knowledge-base pages first; then by title. Resources without an
    importance come last."""
    return sorted(
        resources,
        key=lambda r: (
            -r.get("importance", -1),
            -len(r.get("cited_by", ())),
            r["title"].casefold(),
            r["stable_id"],
        ),
    )


# --- pages per resource -----------------------------------------------------------------


def _write_resource_chunk(folder: str, shared: _Shared, records: Sequence[Record]) -> list[int]:
    page, alias = _template("resource.html.j2"), _template("alias.html.j2")
    common = _common(shared, base="../")
    for record in records:
        stable_id = record["stable_id"]
        url = web_url(record.get("url"))
        html = page.render(
            **common,
            r=record,
            meta_tags=pagemeta.highwire_tags(record, shared.publications, url),
            json_ld=Markup(
                pagemeta.script_json(pagemeta.resource_json_ld(record, shared.publications, url))
            ),
            bibtex=biblatex.entry(record, shared.publications),
            publication=shared.publications.get(record.get("publication", "")),
            cited_by=[_page_info(shared.pages, page_id) for page_id in record.get("cited_by", ())],
            tag_names=shared.tag_names,
            authors_shown=AUTHORS_SHOWN,
            authors_in_full=AUTHORS_IN_FULL,
            repository_links=repository_links(shared.repository, shared.branch, stable_id),
        )
        name = file_name(stable_id, "stable_id")
        _write_text(Path(folder, "r", f"{name}.html"), html)
        _write_text(Path(folder, "r", f"{name}.csl.json"), _csl_file(record, shared))
        target = f"../r/{stable_id}.html"
        _write_text(
            Path(folder, "id", f"{file_name(record['id'], 'id')}.html"),
            alias.render(
                site_name=SITE_NAME, id=record["id"], target=target, title=record["title"]
            ),
        )
    return [3 * len(records)]


def _csl_file(record: Record, shared: _Shared) -> str:
    return csl.csl_text([record], shared.publications)


def _write_downloads(folder: Path, data: Dataset) -> list[tuple[str, str]]:
    """The citation files of the whole dataset, for the index page to offer; (path, media
    type) of each."""
    (folder / "download").mkdir()
    publications = {str(p.get("id")): p for p in data.publications}
    written = []
    for name, writer in WRITERS.items():
        _write_text(folder / "download" / name, writer(data.resources, publications))
        written.append((f"download/{name}", MEDIA_TYPES[name][1]))
    return written


def repository_links(repository: str, branch: str, stable_id: str) -> dict[str, str] | None:
    """The resource file's edit page and the prefilled form for reporting a problem, on
    the repository's host (GitHub's URL forms); None without a repository."""
    if not repository:
        return None
    path = f"data/resources/{stable_id[4:6].lower()}/{stable_id}.yaml"
    query = urlencode(
        {
            "template": PROBLEM_FORM.rpartition("/")[2],
            PROBLEM_FORM_FIELD: stable_id,
            "title": f"Problem with a resource: {stable_id}",
        },
        quote_via=quote,
    )
    return {
        "edit": f"{repository}/edit/{quote(branch)}/{quote(path)}",
        "report": f"{repository}/issues/new?{query}",
    }


def _page_info(pages: Mapping[str, Record], page_id: str) -> Record:
    return pages.get(page_id) or {"id": page_id, "title": page_id}


def _write_retired(folder: Path, data: Dataset, records: Sequence[Record], shared: _Shared) -> int:
    """A page per retired stable ID (what happened, and where it lives on) and an alias
    for its resource ID unless a live resource has that ID."""
    page, alias = _template("retired.html.j2"), _template("alias.html.j2")
    live = {record["stable_id"]: record for record in records}
    live_ids = {record["id"] for record in records}
    common = _common(shared, base="../")
    written = 0
    for stone in sorted(data.tombstones, key=lambda s: str(s["stable_id"])):
        successor_id = data.redirects.get(stone["stable_id"])
        successor = live.get(successor_id) if successor_id else None
        html = page.render(**common, stone=stone, successor=successor)
        _write_text(folder / "r" / f"{file_name(stone['stable_id'], 'stable_id')}.html", html)
        written += 1
        if stone["id"] not in live_ids:
            target = f"../r/{stone['stable_id']}.html"
            text = alias.render(
                site_name=SITE_NAME, id=stone["id"], target=target, title=stone["title"]
            )
            _write_text(folder / "id" / f"{file_name(stone['id'], 'id')}.html", text)
            written += 1
    return written


# --- listings ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Listing:
    folder: str  # types, labels, tags, publications, pages
    key: str
    heading: str
    about: str | None
    entries: list[Record]


def _write_listings(folder: Path, records: Sequence[Record], data: Dataset, shared: _Shared) -> int:
    groups = _group(records)
    names = {
        "tags": shared.tag_names,
        "publications": {key: p["name"] for key, p in shared.publications.items()},
        "pages": {key: p["title"] for key, p in shared.pages.items()},
    }
    about = {
        "tags": {t["id"]: t.get("description") for t in data.tags},
        "publications": {p["id"]: p.get("description") for p in data.publications},
        "pages": {},
    }
    written = 0
    for kind, by_key in groups.items():
        (folder / kind).mkdir()
        for key, entries in sorted(by_key.items()):
            heading = names.get(kind, {}).get(key, key)
            listing = _Listing(kind, key, heading, about.get(kind, {}).get(key), entries)
            written += _write_listing(folder, listing, shared)
    for kind in ("tags", "publications", "pages"):
        items = [
            {"href": f"{kind}/{key}.html", "name": name, "count": len(groups[kind].get(key, ()))}
            for key, name in sorted(names[kind].items(), key=lambda item: item[1].casefold())
        ]
        heading = {"tags": "Tags", "publications": "Publications", "pages": "Knowledge-base pages"}
        html = _template("directory.html.j2").render(
            **_common(shared, base=""), heading=heading[kind], items=items
        )
        # beside the folder, not in it: any slug, "index" included, may name a listing
        _write_text(folder / f"{kind}.html", html)
        written += 1
    downloads = _write_downloads(folder, data)
    _write_text(folder / "index.html", _index_page(records, groups, data, shared, downloads))
    return written + 1 + len(downloads)


def _group(records: Sequence[Record]) -> dict[str, dict[str, list[Record]]]:
    groups: dict[str, dict[str, list[Record]]] = {
        kind: defaultdict(list) for kind in ("types", "labels", "tags", "publications", "pages")
    }
    for record in records:
        groups["types"][record["type"]].append(record)
        for label in record.get("labels", ()):
            groups["labels"][label].append(record)
        for tag in record.get("tags", ()):
            groups["tags"][tag].append(record)
        if "publication" in record:
            groups["publications"][record["publication"]].append(record)
        for page in record.get("cited_by", ()):
            groups["pages"][page].append(record)
    return groups


def _write_listing(folder: Path, listing: _Listing, shared: _Shared) -> int:
    template = _template("listing.html.j2")
    count = max(1, math.ceil(len(listing.entries) / LISTING_SIZE))
    # "~" is in no slug, type or label: page 2 of one key is never another key's page
    key = file_name(listing.key, "slug")
    names = [f"{key}.html"] + [f"{key}~{n}.html" for n in range(2, count + 1)]
    prefix = {"types": "Type", "labels": "Label", "tags": "Tag", "publications": "", "pages": ""}
    heading = f"{prefix[listing.folder]}: {listing.heading}".removeprefix(": ")
    for number, name in enumerate(names, start=1):
        html = template.render(
            **_common(shared, base="../"),
            heading=heading,
            about=listing.about,
            total=len(listing.entries),
            entries=listing.entries[(number - 1) * LISTING_SIZE : number * LISTING_SIZE],
            page_number=number,
            page_count=count,
            previous_page=names[number - 2] if number > 1 else None,
            next_page=names[number] if number < count else None,
        )
        _write_text(folder / listing.folder / name, html)
    return count


def _index_page(
    records: Sequence[Record],
    groups: Mapping[str, Mapping[str, list[Record]]],
    data: Dataset,
    shared: _Shared,
    downloads: Sequence[tuple[str, str]],
) -> str:
    def items(kind: str) -> list[dict[str, Any]]:
        return [
            {"href": f"{kind}/{key}.html", "name": key, "count": len(entries)}
            for key, entries in sorted(groups[kind].items())
        ]

    options = {
        "type": [(key, key) for key in sorted(groups["types"])],
        "label": [(key, key) for key in sorted(groups["labels"])],
        "tag": sorted(
            ((key, shared.tag_names.get(key, key)) for key in groups["tags"]),
            key=lambda o: o[1].casefold(),
        ),
        "publication": sorted(
            (
                (key, shared.publications.get(key, {}).get("name", key))
                for key in groups["publications"]
            ),
            key=lambda o: o[1].casefold(),
        ),
    }
    facets = [{"name": name, "label": label, "options": options[name]} for name, label in _FACETS]
    return _template("index.html.j2").render(
        **_common(shared, base=""),
        total=f"{len(records):,}",
        facets=facets,
        types=items("types"),
        labels=items("labels"),
        entries=[record for record in records if "importance" in record][:TOP_RESOURCES],
        unranked=sum("importance" not in record for record in records),
        downloads=[{"href": path, "name": path.removeprefix("download/")} for path, _ in downloads],
        json_ld=Markup(
            pagemeta.script_json(
                pagemeta.dataset_json_ld(
                    name=SITE_NAME,
                    version=shared.version,
                    resources=len(records),
                    created=str(data.manifest.get("created") or "") or None,
                    downloads=downloads,
                )
            )
        ),
    )


# --- search index --------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """The searchable words of ``text``, as static/search.js finds them in a query."""
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", text.lower()))
    return [w for w in _WORD.findall(folded) if len(w) >= 2 and w not in _STOP]


def shard_of(term: str) -> str:
    """The index file a term lives in: its first two characters (hex when not [a-z0-9])."""
    prefix = term[:2]
    return prefix if re.fullmatch(r"[a-z0-9]+", prefix) else "_" + prefix.encode().hex()


def _write_search_index(folder: Path, records: Sequence[Record], shared: _Shared) -> int:
    index = folder / "search"
    for sub in ("terms", "docs", "facets"):
        (index / sub).mkdir(parents=True)
    postings: dict[str, list[int]] = defaultdict(list)
    facets: dict[tuple[str, str], list[int]] = defaultdict(list)
    for number, record in enumerate(records):
        for term in set(words(_searchable(record, shared.pages))):
            postings[term].append(number)
        for facet, value in _facet_values(record):
            facets[facet, value].append(number)
    shards: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for term in sorted(postings):
        shards[shard_of(term)][term] = _gaps(postings[term])
    for shard, terms in shards.items():
        _write_text(index / "terms" / f"{shard}.json", _compact(terms))
    for facet, value in sorted(facets):
        (index / "facets" / facet).mkdir(exist_ok=True)
        path = index / "facets" / facet / f"{file_name(value, 'slug')}.json"
        _write_text(path, _compact(_gaps(facets[facet, value])))
    chunks = _chunks(records, DOCS_PER_CHUNK)
    for number, chunk in enumerate(chunks):
        docs = [
            [
                r["stable_id"],
                r["title"],
                r["type"],
                r.get("published_date", ""),
                r.get("importance"),
            ]
            for r in chunk
        ]
        _write_text(index / "docs" / f"{number}.json", _compact(docs))
    meta = {"docs": len(records), "chunk": DOCS_PER_CHUNK, "stop": list(STOP_WORDS)}
    _write_text(index / "meta.json", _compact(meta))
    return len(shards) + len(facets) + len(chunks) + 1


def _searchable(record: Record, pages: Mapping[str, Record]) -> str:
    """What a search finds a resource by: its words, authors, the titles of the pages that
    cite it, and its IDs (the stable ID without ``sid_``, which static/search.js drops from
    a query too: `sid` would otherwise match every resource)."""
    return "\n".join(
        [
            record["title"],
            record.get("summary", ""),
            *record.get("key_points", ()),
            *record.get("authors", ()),
            *(_page_info(pages, page)["title"] for page in record.get("cited_by", ())),
            record["stable_id"].removeprefix("sid_"),
            record["id"],
        ]
    )


def _facet_values(record: Record) -> Iterator[tuple[str, str]]:
    yield "type", record["type"]
    for label in record.get("labels", ()):
        yield "label", label
    for tag in record.get("tags", ()):
        yield "tag", tag
    if "publication" in record:
        yield "publication", record["publication"]


def _gaps(numbers: Sequence[int]) -> list[int]:
    """Sorted document numbers as differences from the previous one: shorter JSON."""
    return [numbers[0], *(b - a for a, b in pairwise(numbers))]


def _chunks(items: Sequence[Record], size: int) -> list[Sequence[Record]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


# --- files ---------------------------------------------------------------------------------


def _copy_static(folder: Path) -> int:
    static = folder / "static"
    static.mkdir()
    names = ("search.js", "style.css")
    for name in names:
        source = package_files.files("resource_registry").joinpath("static", name)
        _write_text(static / name, source.read_text(encoding="utf-8"))
    return len(names)


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("resource_registry", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["filesize"] = _file_size
    environment.filters["web_url"] = web_url
    environment.filters["printable"] = printable
    environment.filters["day"] = day
    environment.filters["fetch_state"] = fetch_state
    return environment


def _template(name: str) -> jinja2.Template:
    return _environment().get_template(name)


def _common(shared: _Shared, *, base: str) -> dict[str, str | bool]:
    return {
        "site_name": SITE_NAME,
        "base": base,
        "version": shared.version,
        "commit": shared.commit,
        "dirty": shared.dirty,
    }


def day(timestamp: object) -> str:
    """``2026-04-07T00:00:00Z`` as ``Apr 7, 2026``; anything else as it is."""
    try:
        moment = dt.datetime.strptime(str(timestamp)[:10], "%Y-%m-%d")
    except ValueError:
        return printable(timestamp)
    return f"{moment:%b} {moment.day}, {moment.year}"


_STATES: Final = {
    "dead": "The source is gone.",
    "soft-404": "The source answers with a “not found” page.",
    "login-wall": "The source now asks readers to log in.",
    "bot-wall": "The source answered with a bot challenge; its text could not be read.",
}


def fetch_state(fetch: Mapping[str, Any]) -> str | None:
    """What a reader should know before following the link: gone, walled or changed."""
    verdict = fetch.get("verdict")
    if verdict in _STATES:
        return _STATES[str(verdict)]
    if isinstance(fetch.get("failures"), int) and fetch.get("failing_since"):
        return f"The source has not answered since {day(fetch['failing_since'])}."
    similarity = fetch.get("similarity")
    if isinstance(similarity, int | float) and not isinstance(similarity, bool):
        return (
            "The source's text has changed since it was recorded: it is "
            f"{round(similarity * 100)}% similar to the text seen before."
        )
    return None


def _file_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False) + "\n"


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
