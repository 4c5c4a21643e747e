"""What a resource page tells machines: Highwire Press ``citation_*`` meta tags (read by
Zotero's connector and by Google Scholar) and schema.org JSON-LD (read by search engines
and by Zotero too), and the index page's schema.org ``Dataset``.

Values come from a dataset that may come from anyone. Meta tags are attributes, escaped
by the templates. JSON-LD sits inside a ``<script>`` element, where HTML escaping does
not apply and ``</script>`` or ``<!--`` in a value would end or confuse the element:
:func:`script_json` writes ``<``, ``>`` and ``&`` as JSON escapes, so the text holds
neither, and the JSON means the same.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from resource_registry.cite.facts import (
    Publications,
    Record,
    archive_url,
    authors,
    date_parts,
    language,
    one_line,
    publication_of,
    strings,
    venue_name,
)
from resource_registry.cite.kinds import kind_of

_SCRIPT_SAFE: Final = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)
_HIGHWIRE_VENUE: Final = {
    "article": "citation_journal_title",
    "report": "citation_technical_report_institution",
    "legislation": "citation_publisher",
    "book": "citation_publisher",
}
_CONTAINERS: Final = {  # the schema.org class of the venue a work is part of
    "ScholarlyArticle": "Periodical",
    "BlogPosting": "Blog",
    "PodcastEpisode": "PodcastSeries",
}


def script_json(value: object) -> str:
    """``value`` as JSON that is safe as the text of a ``<script>`` element."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True).translate(_SCRIPT_SAFE)


def highwire_tags(
    record: Record, publications: Publications, url: str | None
) -> list[tuple[str, str]]:
    """``(name, content)`` of each ``<meta>`` tag, in the order Zotero expects; ``url`` is
    the resource's address if it is safe to give as one."""
    kind = kind_of(record, publication_of(record, publications))
    tags = [("citation_title", one_line(record["title"]))]
    tags += [("citation_author", name) for name in authors(record)]
    if parts := date_parts(record.get("published_date")):
        tags.append(("citation_publication_date", "/".join(f"{p:02d}" for p in parts)))
    if venue := venue_name(record, publications):
        name = _HIGHWIRE_VENUE.get(kind.biblatex, "citation_publisher")
        if kind.csl == "article-journal":
            name = "citation_journal_title"
        tags.append((name, venue))
    if url:
        tags.append(("citation_pdf_url" if _is_pdf(record) else "citation_fulltext_html_url", url))
    if spoken := language(record):
        tags.append(("citation_language", one_line(spoken)))
    if keywords := strings(record, "tags"):
        tags.append(("citation_keywords", "; ".join(keywords)))
    if abstract := record.get("abstract"):
        tags.append(("citation_abstract", one_line(abstract)))
    return tags


def _is_pdf(record: Record) -> bool:
    block = record.get("fetch")
    media = block.get("content_type") if isinstance(block, Mapping) else None
    return media == "application/pdf" or str(record["url"]).lower().endswith(".pdf")


def resource_json_ld(record: Record, publications: Publications, url: str | None) -> dict[str, Any]:
    """The schema.org description of the cited work (``url`` as for :func:`highwire_tags`)."""
    kind = kind_of(record, publication_of(record, publications))
    work: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": kind.schema_org,
        "name": one_line(record["title"]),
        "headline": one_line(record["title"])[:110],
        "identifier": record["stable_id"],
    }
    if url:
        work["url"] = url
    if names := authors(record):
        work["author"] = [{"name": name} for name in names]
    if date := record.get("published_date"):
        work["datePublished"] = str(date)
    if venue := venue_name(record, publications):
        if container := _CONTAINERS.get(kind.schema_org):
            work["isPartOf"] = {"@type": container, "name": venue}
        else:
            work["publisher"] = {"@type": "Organization", "name": venue}
    if abstract := record.get("abstract"):
        work["abstract"] = str(abstract)
    if keywords := strings(record, "tags"):
        work["keywords"] = keywords
    if spoken := language(record):
        work["inLanguage"] = spoken
    if archive := archive_url(record):
        work["archivedAt"] = archive
    return work


def dataset_json_ld(
    *,
    name: str,
    version: str,
    resources: int,
    created: str | None,
    downloads: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    """The schema.org ``Dataset`` of the index page; ``downloads`` are (path, media type)."""
    described: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": name,
        "description": f"A catalog of {resources:,} cited web resources.",
        "version": version,
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "isAccessibleForFree": True,
        "distribution": [
            {"@type": "DataDownload", "contentUrl": path, "encodingFormat": media}
            for path, media in downloads
        ],
    }
    if created:
        described["dateModified"] = created
    return described
