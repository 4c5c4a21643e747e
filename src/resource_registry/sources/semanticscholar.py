"""Semantic Scholar's Graph API: ``POST {endpoint}/paper/batch?fields=...`` with
``{"ids": [...]}``, up to :data:`BATCH_SIZE` ids (``ARXIV:...``, ``DOI:...`` or a paper
id), answered by a list in the same order (null for an unknown id). The key, if any,
comes from the environment (:data:`KEY_ENV`) and is sent as ``x-api-key``; it is never
part of a cache key."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Final
from urllib.parse import urlsplit

from resource_registry.sources.base import Claims, Trouble
from resource_registry.sources.http import Client, Failure
from resource_registry.sources.identifiers import arxiv_id, doi

BATCH_SIZE: Final = 500
KEY_ENV: Final = "SEMANTIC_SCHOLAR_API_KEY"
FIELDS: Final = "title,authors,year,publicationDate,abstract,publicationTypes,externalIds"
_PAPER_PAGE: Final = re.compile(r"^/paper/(?:[^/]+/)?([0-9a-f]{40})/?\Z")


class SemanticScholar:
    name = "semanticscholar"
    batch_size = BATCH_SIZE

    def __init__(self, endpoint: str, key: str | None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.key = key

    def identifier(self, url: str) -> str | None:
        if found := arxiv_id(url):
            return f"ARXIV:{found}"
        if found := doi(url):
            return f"DOI:{found}"
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if (parts.hostname or "").lower().removeprefix("www.") == "semanticscholar.org":
            match = _PAPER_PAGE.match(parts.path)
            return match.group(1) if match else None
        return None

    async def lookup(
        self, identifiers: Sequence[str], client: Client
    ) -> Mapping[str, Claims | Trouble]:
        headers = {"x-api-key": self.key} if self.key else {}
        answer = await client.post_json(
            f"{self.endpoint}/paper/batch?fields={FIELDS}",
            {"ids": list(identifiers)},
            headers=headers,
        )
        if isinstance(answer, Failure):
            return dict.fromkeys(identifiers, Trouble(self.name, f"no answer ({answer.reason})"))
        if not answer.ok:
            return dict.fromkeys(identifiers, Trouble(self.name, f"HTTP {answer.status}"))
        try:
            papers = json.loads(answer.body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            papers = None
        if not isinstance(papers, list) or len(papers) != len(identifiers):
            return dict.fromkeys(
                identifiers, Trouble(self.name, "the answer is not a list of papers")
            )
        return {
            key: paper_claims(paper)
            for key, paper in zip(identifiers, papers, strict=True)
            if isinstance(paper, dict)
        }


def paper_claims(paper: Mapping[str, object]) -> Claims:
    values: dict[str, object] = {}
    if isinstance(paper.get("title"), str):
        values["title"] = paper["title"]
    authors = paper.get("authors")
    if isinstance(authors, list):
        values["authors"] = [
            a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)
        ]
    date, year = paper.get("publicationDate"), paper.get("year")
    if isinstance(date, str):
        values["published_date"] = date
    elif type(year) is int:
        values["published_date"] = str(year)
    if isinstance(paper.get("abstract"), str):
        values["abstract"] = paper["abstract"]
    kinds = paper.get("publicationTypes")
    is_book = isinstance(kinds, list) and any(k in ("Book", "BookSection") for k in kinds)
    values["type"] = "book" if is_book else "paper"
    return Claims("semanticscholar", values)
