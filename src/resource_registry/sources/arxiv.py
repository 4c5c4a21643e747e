"""arXiv's API: the Atom feed of ``{endpoint}?id_list=ID,ID,...``, up to
:data:`BATCH_SIZE` ids a request. arXiv asks for one request at a time and at least
three seconds between requests (:func:`.gather.host_policies` keeps to that).

The feed's traps are handled: a malformed request answers HTTP 200 with one entry
titled ``Error``; a throttled one answers a plain-text body; entries carry a version
suffix on their id; titles and abstracts are hard-wrapped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Final
from urllib.parse import urlencode

from resource_registry.sources.base import Claims, Trouble
from resource_registry.sources.http import Answer, Client, Failure
from resource_registry.sources.identifiers import arxiv_id

BATCH_SIZE: Final = 100
_NS: Final = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}
_ENTRY_ID: Final = re.compile(r"arxiv\.org/abs/(.+?)(?:v\d+)?\Z")


class Arxiv:
    name = "arxiv"
    batch_size = BATCH_SIZE

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def identifier(self, url: str) -> str | None:
        return arxiv_id(url)

    async def lookup(
        self, identifiers: Sequence[str], client: Client
    ) -> Mapping[str, Claims | Trouble]:
        query = urlencode({"id_list": ",".join(identifiers), "max_results": len(identifiers)})
        separator = "&" if "?" in self.endpoint else "?"
        answer = await client.get(
            f"{self.endpoint}{separator}{query}", accept="application/atom+xml"
        )
        parsed = parse_feed(answer)
        if isinstance(parsed, Trouble):
            return dict.fromkeys(identifiers, parsed)
        return {key: parsed[key] for key in identifiers if key in parsed}


def parse_feed(answer: Answer | Failure) -> dict[str, Claims] | Trouble:
    """The entries of an arXiv Atom feed by id (without version), or why there are none."""
    if isinstance(answer, Failure):
        return Trouble("arxiv", f"no answer ({answer.reason})")
    if not answer.ok:
        return Trouble("arxiv", f"HTTP {answer.status}")
    head = answer.body[:2048]
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in answer.body.upper():
        return Trouble("arxiv", "the answer declares a DTD or entities; not read")
    try:
        root = ET.fromstring(answer.body)
    except ET.ParseError:
        return Trouble("arxiv", "the answer is not an Atom feed")
    if root.tag != "{http://www.w3.org/2005/Atom}feed":
        return Trouble("arxiv", "the answer is not an Atom feed")
    entries: dict[str, Claims] = {}
    for entry in root.findall("atom:entry", _NS):
        entry_id = _text(entry, "atom:id")
        title = _text(entry, "atom:title")
        if "/api/errors" in entry_id or title == "Error":
            return Trouble(
                "arxiv", f"arXiv reported an error: {_text(entry, 'atom:summary')[:200]}"
            )
        match = _ENTRY_ID.search(entry_id)
        if not match or not title:
            continue
        authors = [_text(author, "atom:name") for author in entry.findall("atom:author", _NS)]
        entries[match.group(1)] = Claims(
            "arxiv",
            {
                "title": title,
                "authors": [name for name in authors if name],
                "published_date": _text(entry, "atom:published"),
                "abstract": _text(entry, "atom:summary"),
                "type": "paper",
            },
        )
    return entries


def _text(element: ET.Element, path: str) -> str:
    found = element.find(path, _NS)
    return " ".join((found.text or "").split()) if found is not None else ""
