"""The citation files of the release: what ``export`` writes, the datapackage lists and
``verify`` reads back."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Final

from resource_registry.base.parallel import map_chunks
from resource_registry.cite import biblatex, csl, ris
from resource_registry.cite.gitdates import Dates

Record = dict[str, Any]
Writer = Callable[[Sequence[Record], Mapping[str, Mapping[str, Any]]], str]

WRITERS: Final[dict[str, Writer]] = {
    csl.FILE_NAME: csl.csl_text,
    biblatex.FILE_NAME: biblatex.bib_text,
    ris.FILE_NAME: ris.ris_text,
}
MEDIA_TYPES: Final = {
    csl.FILE_NAME: ("csl-json", "application/vnd.citationstyles.csl+json"),
    biblatex.FILE_NAME: ("biblatex", "application/x-bibtex"),
    ris.FILE_NAME: ("ris", "application/x-research-info-systems"),
}
ID_READERS: Final[dict[str, Callable[[Path], list[str]]]] = {
    csl.FILE_NAME: csl.read_ids,
    biblatex.FILE_NAME: biblatex.read_keys,
    ris.FILE_NAME: ris.read_ids,
}


def add_dates(records: Sequence[Record], dates: Mapping[str, Dates]) -> None:
    """Give each record known to history its ``created`` and ``modified``."""
    for record in records:
        if known := dates.get(record["stable_id"]):
            record["created"] = known.created
            record["modified"] = known.modified


def write_citations(
    folder: Path,
    records: Sequence[Record],
    publications: Sequence[Mapping[str, Any]],
    jobs: int | None = 1,
) -> None:
    """The three files, the same bytes as :data:`WRITERS` give, rendered in one pass per
    chunk of records. In this process by default: at 100,000 records, sending the records
    to worker processes and the text back cost more than the two cores saved."""
    by_id = {str(entry.get("id")): entry for entry in publications}
    chunks = map_chunks(partial(_render_chunk, by_id), records, jobs)
    csl_lines = ",\n".join(chunk[0] for chunk in chunks if chunk[0])
    texts = {
        csl.FILE_NAME: f"[\n{csl_lines}\n]\n" if csl_lines else "[]\n",
        biblatex.FILE_NAME: "\n".join(chunk[1] for chunk in chunks if chunk[1]),
        ris.FILE_NAME: "\n".join(chunk[2] for chunk in chunks if chunk[2]),
    }
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")


def _render_chunk(
    publications: Mapping[str, Mapping[str, Any]], records: Sequence[Record]
) -> list[tuple[str, str, str]]:
    """One chunk's CSL-JSON lines, BibLaTeX entries and RIS records, each joined."""
    return [
        (
            ",\n".join(json.dumps(csl.item(r, publications), ensure_ascii=False) for r in records),
            "\n".join(biblatex.entry(r, publications) for r in records),
            "\n".join(ris.entry(r, publications) for r in records),
        )
    ]


def missing_ids(name: str, path: Path, expected: Sequence[str]) -> list[str]:
    """What is wrong with the stable IDs in one citation file: records missing, or there
    twice, or not in the dataset."""
    found = ID_READERS[name](path)
    wanted = set(expected)
    problems = []
    if len(found) != len(set(found)):
        problems.append(f"{name} holds a record more than once")
    if lacking := sorted(wanted - set(found)):
        problems.append(f"{name} lacks {len(lacking):,} records, such as {lacking[0]}")
    if extra := sorted(set(found) - wanted):
        problems.append(f"{name} has {len(extra):,} records not in the dataset, such as {extra[0]}")
    return problems
