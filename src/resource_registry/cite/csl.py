"""CSL-JSON (``resources.csl.json``): the input format of citeproc processors (Zotero,
Pandoc, Mendeley), valid against the CSL data schema (csl-data.json, version 1.0).

Each item's ``id`` and ``citation-key`` is the stable ID. Authors stay as credited, as
``literal`` names: the registry does not know which part of a name is the family name.
``issued`` is the published date as precise as known, ``accessed`` the day of the last
link check, ``archive`` the archived copy's address. What CSL has no variable for goes in
``custom``: the stable ID, the resource ID, importance, labels, tags, the citing pages,
the dates from git (``created``, ``modified``) and when the copy was archived.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from resource_registry.cite.facts import (
    Publications,
    Record,
    accessed,
    archive_url,
    authors,
    date_parts,
    fetched,
    language,
    one_line,
    publication_of,
    strings,
    venue_name,
)
from resource_registry.cite.kinds import kind_of

FILE_NAME: Final = "resources.csl.json"


def item(record: Record, publications: Publications) -> dict[str, Any]:
    kind = kind_of(record, publication_of(record, publications))
    entry: dict[str, Any] = {
        "id": record["stable_id"],
        "citation-key": record["stable_id"],
        "type": kind.csl,
        "title": one_line(record["title"]),
        "URL": record["url"],
    }
    if names := authors(record):
        entry["author"] = [{"literal": name} for name in names]
    if issued := date_parts(record.get("published_date")):
        entry["issued"] = {"date-parts": [issued]}
    if day := accessed(record):
        entry["accessed"] = {"date-parts": [date_parts(day)]}
    if venue := venue_name(record, publications):
        entry[kind.venue] = venue
    if abstract := record.get("abstract"):
        entry["abstract"] = str(abstract)
    if archive := archive_url(record):
        entry["archive"] = archive
    if spoken := language(record):
        entry["language"] = spoken
    if tags := strings(record, "tags"):
        entry["keyword"] = ", ".join(tags)
    entry["custom"] = _custom(record)
    return entry


def _custom(record: Record) -> dict[str, Any]:
    custom: dict[str, Any] = {"stable_id": record["stable_id"], "resource_id": record["id"]}
    for field in ("importance", "labels", "tags", "cited_by", "publication", "created"):
        if field in record:
            custom[field] = record[field]
    if "modified" in record:
        custom["modified"] = record["modified"]
    if (archived := fetched(record, "archived_at")) is not None:
        custom["archived_at"] = archived
    return custom


def items(records: Iterable[Record], publications: Publications) -> list[dict[str, Any]]:
    return [item(record, publications) for record in records]


def csl_text(records: Iterable[Record], publications: Publications) -> str:
    """A JSON array with one item per line (json's C encoder writes no indented JSON)."""
    lines = [json.dumps(item(r, publications), ensure_ascii=False) for r in records]
    return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"


def read_ids(path: Path) -> list[str]:
    """The ``id`` of every item, in file order (for ``verify``)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path.name} is not a JSON array")
    return [str(entry.get("id")) if isinstance(entry, dict) else "" for entry in data]
