"""When a stored value and a source's value are the same: titles fuzzily (case,
punctuation, spacing and small edits are not differences), authors by family name,
dates at the precision both have."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Final

TITLE_SIMILARITY: Final = 90.0  # rapidfuzz's 0-100 ratio, on normalized titles
_NOT_WORD: Final = re.compile(r"[\W_]+")


def normalized_title(title: str) -> str:
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NOT_WORD.sub(" ", plain).split())


def title_similarity(stored: str, source: str) -> float:
    from rapidfuzz import fuzz  # noqa: PLC0415 - reason: only metadata checks need it

    return float(fuzz.ratio(normalized_title(stored), normalized_title(source)))


def same_title(stored: str, source: str) -> bool:
    return title_similarity(stored, source) >= TITLE_SIMILARITY


def _family(name: str) -> str:
    """A name's family name, as compared: `Smith, J.` and `John Smith` both give `smith`."""
    name = name.strip()
    if "," in name:
        name = name.split(",", 1)[0]
    else:
        parts = name.split()
        name = parts[-1] if parts else name
    return normalized_title(name)


def same_authors(stored: Sequence[str], source: Sequence[str]) -> bool:
    """Same family names in the same order (a list cut with ``others`` compares only
    as far as both go)."""
    from resource_registry.sources.clean import OTHERS  # noqa: PLC0415 - reason: small

    left = [_family(name) for name in stored if name != OTHERS]
    right = [_family(name) for name in source if name != OTHERS]
    if OTHERS in stored or OTHERS in source:
        shorter = min(len(left), len(right))
        return left[:shorter] == right[:shorter]
    return left == right


def same_date(stored: str, source: str) -> bool:
    """Equal at the precision both have: `2020` and `2020-05-01` agree."""
    shorter = min(len(stored), len(source))
    return stored[:shorter] == source[:shorter]
