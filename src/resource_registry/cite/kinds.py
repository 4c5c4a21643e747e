"""What each resource type is called in each citation vocabulary.

One row per registry type; a few labels refine it (a preprint is a CSL ``article``, not
an ``article-journal``; a government text labelled ``legislation`` is legislation, not a
report; a podcast labelled ``interview`` is an interview). A paper whose venue is known is
a BibLaTeX ``@article`` in that journal; without one it is ``@online``, which needs no
journal. Every name here is in its vocabulary: CSL 1.0.2's types, BibLaTeX's entry
types, RIS's reference types, schema.org's classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final


@dataclass(frozen=True, slots=True)
class Kind:
    csl: str
    biblatex: str
    ris: str
    schema_org: str
    venue: str  # the CSL variable the publication's name goes in: container-title or publisher


_KINDS: Final[dict[str, Kind]] = {
    "paper": Kind("article-journal", "article", "JOUR", "ScholarlyArticle", "container-title"),
    "blog": Kind("post-weblog", "online", "BLOG", "BlogPosting", "container-title"),
    "report": Kind("report", "report", "RPRT", "Report", "publisher"),
    "government": Kind("report", "report", "GOVDOC", "Report", "publisher"),
    "book": Kind("book", "book", "BOOK", "Book", "publisher"),
    "talk": Kind("speech", "online", "GEN", "CreativeWork", "publisher"),
    "podcast": Kind("broadcast", "online", "SOUND", "PodcastEpisode", "container-title"),
    "reference": Kind("entry-encyclopedia", "online", "ENCYC", "WebPage", "container-title"),
    "web": Kind("webpage", "online", "ELEC", "WebPage", "container-title"),
}
_PREPRINT: Final = Kind("article", "online", "UNPB", "ScholarlyArticle", "publisher")
_LEGISLATION: Final = Kind("legislation", "legislation", "STAT", "Legislation", "publisher")
_INTERVIEW: Final = Kind("interview", "online", "SOUND", "PodcastEpisode", "container-title")
_UNKNOWN: Final = Kind("document", "misc", "GEN", "CreativeWork", "publisher")


def kind_of(record: Mapping[str, Any], publication: Mapping[str, Any] | None = None) -> Kind:
    """The citation types of ``record``; ``publication`` is its venue's vocabulary entry."""
    labels = record.get("labels") or ()
    kind = record.get("type")
    venue_type = (publication or {}).get("type")
    if kind == "paper" and ("preprint" in labels or venue_type == "preprint_server"):
        return _PREPRINT
    if kind == "paper" and publication is None:
        return Kind("article-journal", "online", "JOUR", "ScholarlyArticle", "container-title")
    if kind == "government" and "legislation" in labels:
        return _LEGISLATION
    if kind == "podcast" and "interview" in labels:
        return _INTERVIEW
    return _KINDS.get(str(kind), _UNKNOWN)
