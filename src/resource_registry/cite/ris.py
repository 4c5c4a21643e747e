"""RIS (``resources.ris``): the tagged format every reference manager imports.

One record per resource: ``TY`` its type, ``ID`` its stable ID, ``TI``, an ``AU`` per
author, ``PY`` and ``DA`` from the published date, ``Y2`` the day of the last link check
(the access date, as Zotero writes it), ``UR``, ``T2`` or ``PB`` the venue, ``AB``, a
``KW`` per tag, ``LA``, an ``N1`` note naming the archived copy, then ``ER``. Values are
on one line (line breaks become spaces), so no value can start a tag of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final

from resource_registry.cite.facts import (
    Publications,
    Record,
    accessed,
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

FILE_NAME: Final = "resources.ris"


def entry(record: Record, publications: Publications) -> str:
    kind = kind_of(record, publication_of(record, publications))
    tags: list[tuple[str, str]] = [
        ("TY", kind.ris),
        ("ID", str(record["stable_id"])),
        ("TI", one_line(record["title"])),
    ]
    tags += [("AU", name) for name in authors(record)]
    if parts := date_parts(record.get("published_date")):
        tags.append(("PY", str(parts[0])))
        tags.append(("DA", "/".join(f"{p:02d}" for p in parts) + "/" * (4 - len(parts))))
    if day := accessed(record):
        tags.append(("Y2", day.replace("-", "/")))
    tags.append(("UR", str(record["url"])))
    if venue := venue_name(record, publications):
        tags.append(("T2" if kind.venue == "container-title" else "PB", venue))
    if abstract := record.get("abstract"):
        tags.append(("AB", one_line(abstract)))
    tags += [("KW", tag) for tag in strings(record, "tags")]
    if spoken := language(record):
        tags.append(("LA", one_line(spoken)))
    if archive := archive_url(record):
        tags.append(("N1", f"Archived copy: {one_line(archive)}"))
    return "".join(f"{tag}  - {value}\n" for tag, value in tags) + "ER  - \n"


def ris_text(records: Iterable[Record], publications: Publications) -> str:
    return "\n".join(entry(record, publications) for record in records)


def read_ids(path: Path) -> list[str]:
    """The ``ID`` of every record, in file order (for ``verify``)."""
    with path.open(encoding="utf-8") as file:
        return [line[6:].rstrip("\n") for line in file if line.startswith("ID  - ")]
