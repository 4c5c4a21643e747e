"""A 64-bit simhash of a text's word shingles (Charikar, 2002): texts that share most of
their three-word shingles get fingerprints a few bits apart, unrelated texts about 32.

Only the main text is fingerprinted (see :mod:`.extract`), so navigation, ads and
footers do not move it. Words are lower-cased runs of letters and digits; every shingle
weighs one, however often it occurs.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

SHINGLE: Final = 3
MAX_WORDS: Final = 50_000  # enough for any article; bounds the work on a huge text
# The text drifted when it is less similar than this to the previous (or the first)
# text: unrelated texts score about 0.5; 1% of the words changed stays above 0.85
# (BENCHMARKS.md).
DRIFT_BELOW: Final = 0.8
_WORD: Final = re.compile(r"\w+")
_BYTES: Final = 8
# the byte values that have each bit set, most significant first
_WITH_BIT: Final = tuple(bytes(v for v in range(256) if v >> (7 - bit) & 1) for bit in range(8))


def simhash(text: str) -> str | None:
    """The fingerprint of ``text`` as 16 hex digits, or None for a text without words."""
    words = _WORD.findall(text.lower())[:MAX_WORDS]
    if not words:
        return None
    span = min(SHINGLE, len(words))
    shingles = {" ".join(words[i : i + span]) for i in range(len(words) - span + 1)}
    digests = b"".join(
        hashlib.blake2b(shingle.encode("utf-8"), digest_size=_BYTES).digest()
        for shingle in shingles
    )
    # per byte position and bit, how many digests have it set: the bytes at that
    # position with the bit's byte values deleted are the digests without it (C speed,
    # no Python loop per shingle and bit)
    total = len(shingles)
    value = 0
    for position in range(_BYTES):
        column = digests[position::_BYTES]
        for bit in range(8):
            ones = total - len(column.translate(None, _WITH_BIT[bit]))
            if ones * 2 > total:
                value |= 1 << (63 - position * 8 - bit)
    return f"{value:016x}"


def similarity(first: str, second: str) -> float:
    """1 minus the share of the 64 bits in which two fingerprints differ."""
    distance = (int(first, 16) ^ int(second, 16)).bit_count()
    return round(1 - distance / 64, 3)
