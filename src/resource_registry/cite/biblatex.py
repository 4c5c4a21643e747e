"""BibLaTeX (``resources.bib``): one entry per resource, keyed by its stable ID.

Every value is escaped for LaTeX: the ten special characters (``\\ { } # $ % & _ ~ ^``)
become commands or escaped characters, and the ligatures that would change the text
(``--`` into a dash, two quotes into a double quote) are broken with an empty group.
Titles are wrapped in a second pair of braces, so that no style or reader changes their
case; each author's name is one braced group, so that ``and`` or a comma inside a name
never splits it (the registry keeps names as credited, not as family and given names).
URLs are not escaped (``url`` is verbatim in BibLaTeX) but ``{``, ``}`` and ``\\`` in
them are percent-encoded, which names the same address. Line breaks become spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from resource_registry.cite.facts import (
    Publications,
    Record,
    accessed,
    authors,
    one_line,
    publication_of,
    strings,
    venue_name,
)
from resource_registry.cite.kinds import kind_of

FILE_NAME: Final = "resources.bib"

_SPECIALS: Final = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "#": r"\#",
        "$": r"\$",
        "%": r"\%",
        "&": r"\&",
        "_": r"\_",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
    }
)
_LIGATURE: Final = re.compile(r"(-(?=-)|'(?=')|`(?=`)|[?!](?=`))")
_LIGATURE_PAIRS: Final = ("--", "''", "``", "?`", "!`")
_URL_SPECIALS: Final = str.maketrans({"{": "%7B", "}": "%7D", "\\": "%5C"})
_ENTRY: Final = re.compile(r"^@([A-Za-z]+)\{([^,\s]+),$", re.MULTILINE)
_VENUE_FIELD: Final = {
    "article": "journaltitle",
    "report": "institution",
    "book": "publisher",
}


def escape(text: str) -> str:
    """``text`` as LaTeX that typesets as ``text`` (on one line)."""
    escaped = one_line(text).translate(_SPECIALS)
    if any(pair in escaped for pair in _LIGATURE_PAIRS):
        return _LIGATURE.sub(r"\1{}", escaped)
    return escaped


def entry(record: Record, publications: Publications) -> str:
    kind = kind_of(record, publication_of(record, publications))
    fields = [("title", "{" + escape(record["title"]) + "}")]
    if names := authors(record):
        fields.append(("author", " and ".join("{" + escape(name) + "}" for name in names)))
    if date := record.get("published_date"):
        fields.append(("date", escape(str(date))))
    if venue := venue_name(record, publications):
        fields.append((_VENUE_FIELD.get(kind.biblatex, "organization"), escape(venue)))
    fields.append(("url", str(record["url"]).translate(_URL_SPECIALS)))
    if day := accessed(record):
        fields.append(("urldate", day))
    if tags := strings(record, "tags"):
        fields.append(("keywords", escape(", ".join(tags))))
    if abstract := record.get("abstract"):
        fields.append(("abstract", escape(str(abstract))))
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
    return f"@{kind.biblatex}{{{record['stable_id']},\n{body}}}\n"


def bib_text(records: Iterable[Record], publications: Publications) -> str:
    return "\n".join(entry(record, publications) for record in records)


def read_keys(path: Path) -> list[str]:
    """The key of every entry, in file order (for ``verify``)."""
    return [found.group(2) for found in _ENTRY.finditer(path.read_text(encoding="utf-8"))]
