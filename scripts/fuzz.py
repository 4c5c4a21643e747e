#!/usr/bin/env python3
"""Throw generated hostile input at the reader, the validator and the formatter; count
crashes (any exception), hangs (over 5 s for one input) and data lost (a file that
`fmt` rewrites into something that reads back differently).

    .venv/bin/python scripts/fuzz.py [--inputs 20000] [--seed 1]

Prints a Markdown table for BENCHMARKS.md. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
import traceback

from resource_registry.formatting import format_text
from resource_registry.loading import Document, read_document
from resource_registry.records import check_resource

PIECES = [
    "stable_id: sid_Fx00000001\n",
    "id: b5b10dd0429e69ac\n",
    "url: https://example.org/a\n",
    "title: ",
    "type: paper\n",
    "tags:\n",
    "  - ",
    "- ",
    "&a ",
    "*a",
    "!!python/object:os.system ",
    "!tag ",
    "<<: ",
    "---\n",
    "...\n",
    "[",
    "]",
    "{",
    "}",
    "'",
    '"',
    "#",
    "|\n",
    ">-\n",
    "\t",
    "\r\n",
    "\n",
    "\ufeff",
    "\x00",
    "\u202e",
    ": ",
    "2022-02-30",
    "0o17",
    "no",
    "~",
    "?",
    ",",
    "key_points:\n",
    "summary: ",
    "é",
    "日本",
    "\\x41",
    "&amp;",
    "https://u:p@x.org/",
    "  ",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    today = dt.date(2026, 1, 15)
    crashes = hangs = lost = 0
    slowest = 0.0
    for index in range(args.inputs):
        data = _input(rng, index)
        started = time.perf_counter()
        try:
            lost += _run(data, today)
        except Exception:  # counting every crash is the point
            crashes += 1
            if crashes <= 3:
                print(f"crash on input {index}: {data[:80]!r}\n{traceback.format_exc()}")
        elapsed = time.perf_counter() - started
        slowest = max(slowest, elapsed)
        hangs += elapsed > 5
    print("| inputs tried | crashes | hangs (> 5 s) | data lost | slowest input |")
    print("|---|---|---|---|---|")
    print(f"| {args.inputs:,} | {crashes} | {hangs} | {lost} | {slowest * 1000:.0f} ms |")


def _input(rng: random.Random, index: int) -> bytes:
    kind = index % 3
    if kind == 0:
        return rng.randbytes(rng.randint(0, 400))
    pieces = [
        rng.choice(PIECES) if rng.random() < 0.7 else _word(rng) for _ in range(rng.randint(0, 60))
    ]
    text = "".join(pieces)
    if kind == 2:  # a mostly valid record with hostile values
        text = (
            "stable_id: sid_Fx00000001\nid: b5b10dd0429e69ac\nurl: https://example.org/a\n"
            "type: paper\ntitle: " + _word(rng) + "\n" + text
        )
    return text.encode("utf-8", "surrogatepass")


def _word(rng: random.Random) -> str:
    return "".join(
        chr(rng.choice([rng.randint(32, 126), rng.randint(0, 0x2FFF)]))
        for _ in range(rng.randint(1, 8))
    )


def _run(data: bytes, today: dt.date) -> int:
    """1 if formatting changed what the file says, else 0; exceptions propagate."""
    path = "data/resources/fx/sid_Fx00000001.yaml"
    parsed = read_document(data)
    if not isinstance(parsed, Document):
        return 0
    check_resource(path, parsed, today)
    formatted = format_text(path, data, {}, fix=False)
    if formatted.text is None:
        return 0
    again = read_document(formatted.text.encode())
    return int(not isinstance(again, Document) or again.data != parsed.data)


if __name__ == "__main__":
    main()
