"""The site's split search index, as static/search.js reads it: terms by shard, facets,
and the metadata of the results in chunks."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Final

from resource_registry.base.fsutil import create_file as _write_text
from resource_registry.release.site_render import Record, Shared, page_info
from resource_registry.release.site_safety import file_name

DOCS_PER_CHUNK: Final = 1000  # search results metadata per file
STOP_WORDS: Final = (
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is",
    "it", "its", "of", "on", "or", "that", "the", "this", "to", "was", "were", "will", "with",
)  # fmt: skip
_STOP: Final = frozenset(STOP_WORDS)
_WORD: Final = re.compile(r"[^\W_]+")
_COMBINING: Final = re.compile(r"[\u0300-\u036f]")


def words(text: str) -> list[str]:
    """The searchable words of ``text``, as static/search.js finds them in a query."""
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", text.lower()))
    return [w for w in _WORD.findall(folded) if len(w) >= 2 and w not in _STOP]


def shard_of(term: str) -> str:
    """The index file a term lives in: its first two characters (hex when not [a-z0-9])."""
    prefix = term[:2]
    return prefix if re.fullmatch(r"[a-z0-9]+", prefix) else "_" + prefix.encode().hex()


def write_search_index(folder: Path, records: Sequence[Record], shared: Shared) -> int:
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
            *(page_info(pages, page)["title"] for page in record.get("cited_by", ())),
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


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
