"""DOIs: content negotiation at the DOI resolver, ``GET {endpoint}/{DOI}`` with
``Accept: application/vnd.citationstyles.csl+json``; the resolver redirects to the
registration agency (Crossref, DataCite, mEDRA), which answers CSL-JSON. One DOI per
request: the resolver has no batches."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Final
from urllib.parse import quote

from resource_registry.sources.base import Claims, Trouble
from resource_registry.sources.http import Client, Failure
from resource_registry.sources.identifiers import doi

CSL_JSON: Final = "application/vnd.citationstyles.csl+json"
# CSL item types (and Crossref's own names, which some answers carry) -> resource type
CSL_TYPES: Final = {
    "article": "paper",
    "article-journal": "paper",
    "journal-article": "paper",
    "paper-conference": "paper",
    "proceedings-article": "paper",
    "posted-content": "paper",
    "manuscript": "paper",
    "book": "book",
    "chapter": "book",
    "book-chapter": "book",
    "monograph": "book",
    "edited-book": "book",
    "report": "report",
    "thesis": "report",
    "dissertation": "report",
    "speech": "talk",
    "post": "blog",
    "post-weblog": "blog",
    "webpage": "web",
    "legislation": "government",
    "bill": "government",
    "regulation": "government",
    "entry-encyclopedia": "reference",
    "entry-dictionary": "reference",
    "dataset": "reference",
}


class Doi:
    name = "doi"
    batch_size = 1

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint.rstrip("/")

    def identifier(self, url: str) -> str | None:
        return doi(url)

    async def lookup(
        self, identifiers: Sequence[str], client: Client
    ) -> Mapping[str, Claims | Trouble]:
        found: dict[str, Claims | Trouble] = {}
        for key in identifiers:
            answer = await client.get(f"{self.endpoint}/{quote(key, safe='/')}", accept=CSL_JSON)
            if isinstance(answer, Failure):
                found[key] = Trouble("doi", f"no answer ({answer.reason})")
            elif answer.status in (404, 410):
                continue
            elif not answer.ok:
                found[key] = Trouble("doi", f"HTTP {answer.status}")
            else:
                found[key] = parse_csl(answer.body)
        return found


def parse_csl(body: bytes) -> Claims | Trouble:
    try:
        item = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return Trouble("doi", "the answer is not JSON")
    if isinstance(item, list) and item:
        item = item[0]
    if not isinstance(item, dict):
        return Trouble("doi", "the answer is not a CSL-JSON item")
    values: dict[str, object] = {}
    title = item.get("title")
    if isinstance(title, list) and title:
        title = title[0]
    if isinstance(title, str):
        values["title"] = title
    if isinstance(item.get("author"), list):
        values["authors"] = [name for person in item["author"] if (name := csl_name(person))]
    for key in ("issued", "published", "published-print", "published-online", "created"):
        if date := csl_date(item.get(key)):
            values["published_date"] = date
            break
    if isinstance(item.get("abstract"), str):
        values["abstract"] = item["abstract"]
    if isinstance(kind := item.get("type"), str) and kind.lower() in CSL_TYPES:
        values["type"] = CSL_TYPES[kind.lower()]
    return Claims("doi", values)


def csl_name(person: object) -> str | None:
    if not isinstance(person, dict):
        return None
    for key in ("literal", "name"):
        if isinstance(person.get(key), str):
            return str(person[key])
    given, family = person.get("given"), person.get("family")
    parts = [part for part in (given, family) if isinstance(part, str) and part.strip()]
    return " ".join(parts) or None


def csl_date(value: object) -> str | None:
    """A CSL date (``{"date-parts": [[2020, 5, 1]]}``, or ``raw``) as a partial date."""
    if not isinstance(value, dict):
        return None
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        numbers = parts[0][:3]
        if all(type(n) is int or (isinstance(n, str) and n.isdigit()) for n in numbers):
            year, *rest = (int(n) for n in numbers)
            return "-".join([f"{year:04d}", *(f"{n:02d}" for n in rest)])
    raw = value.get("raw") or value.get("literal")
    return raw if isinstance(raw, str) else None
