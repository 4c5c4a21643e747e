#!/usr/bin/env python3
"""Throw generated hostile input at the reader, the validator and the formatter; count
crashes (any exception), hangs (over 5 s for one input), data lost (a file that `fmt`
rewrites into something that reads back differently) and late failures (a file that
passes validation but that a later step cannot handle: strict JSON as the export writes
it, the CSV and SQLite rows, the terminal reporter).

    .venv/bin/python scripts/fuzz.py [--inputs 20000] [--seed 1]

Prints a Markdown table for BENCHMARKS.md. Deterministic for a given seed. The test
suite runs a short campaign of it (tests/test_fuzz.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import time
import traceback
from dataclasses import dataclass

from resource_registry.base.findings import Severity
from resource_registry.base.safetext import for_terminal
from resource_registry.check.file_rules import check_resource
from resource_registry.edit.fmt import format_text
from resource_registry.record.reader import Document, read_document
from resource_registry.release.formats import csv_text, ordered
from resource_registry.report import render_findings

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
    "legacy:\n  n: ",
    "fetch:\n  status: ",
    "0x" + "f" * 40,
    "9" * 30,
    "-9223372036854775809",
    "9223372036854775807",
    ".nan",
    "-.inf",
    ".Inf",
    "1e400",
    '"\\0"',
    '"\\e]8;;x\\a"',
    "\u200b",
    "\u2028",
    "\u061c",
    "\u2066",
    "\x1b[2J",
    "\x7f",
    "\x85",
]

# values at the edges of what later steps take, for one `legacy` or `fetch` value
EDGE_SCALARS = [
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "0x" + "f" * 17,
    "0o" + "7" * 30,
    "1" * 5000,
    ".nan",
    "-.inf",
    "1e308",
    "1e309",
    '"a\\0b"',
    '"\\e]0;x\\a"',
    '"\\u200b"',
    '"\\u2028"',
    '"\\U0001F600"',
    '"\\ud800"',
    "2022-02-30",
    "~",
    "[1, [2, [3]]]",
    "{a: .nan}",
]


@dataclass
class Tally:
    inputs: int = 0
    crashes: int = 0
    hangs: int = 0
    lost: int = 0
    late: int = 0
    valid: int = 0
    slowest: float = 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    tally = fuzz(args.inputs, args.seed, report=print)
    print(
        "| inputs tried | valid | crashes | hangs (> 5 s) | data lost | late failures "
        "| slowest input |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {tally.inputs:,} | {tally.valid:,} | {tally.crashes} | {tally.hangs} | {tally.lost} "
        f"| {tally.late} | {tally.slowest * 1000:.0f} ms |"
    )


def fuzz(inputs: int, seed: int, report: object = None) -> Tally:
    """Run ``inputs`` generated inputs; ``report`` (a print-like callable) gets the first
    three crashes with their tracebacks."""
    rng = random.Random(seed)
    today = dt.date(2026, 1, 15)
    tally = Tally(inputs=inputs)
    for index in range(inputs):
        data = _input(rng, index)
        started = time.perf_counter()
        try:
            outcome = _run(data, today)
        except Exception:  # counting every crash is the point
            tally.crashes += 1
            if callable(report) and tally.crashes <= 3:
                report(f"crash on input {index}: {data[:80]!r}\n{traceback.format_exc()}")
        else:
            tally.lost += outcome == "lost"
            tally.late += outcome == "late"
            tally.valid += outcome in ("valid", "late")
            if callable(report) and outcome == "late" and tally.late <= 3:
                report(f"late failure on input {index}: {data[:120]!r}")
        elapsed = time.perf_counter() - started
        tally.slowest = max(tally.slowest, elapsed)
        tally.hangs += elapsed > 5
    return tally


def _input(rng: random.Random, index: int) -> bytes:
    kind = index % 5
    if kind == 4:  # a valid record with one value at an edge
        where = rng.choice(["legacy:\n  n: ", "fetch:\n  checked: 2026-01-01\n  status: "])
        return (
            "stable_id: sid_Fx00000001\nid: b5b10dd0429e69ac\nurl: https://example.org/a\n"
            f"type: paper\ntitle: A title\n{where}{rng.choice(EDGE_SCALARS)}\n"
        ).encode()
    if kind == 0:
        return rng.randbytes(rng.randint(0, 400))
    pieces = [
        rng.choice(PIECES) if rng.random() < 0.7 else _word(rng) for _ in range(rng.randint(0, 60))
    ]
    text = "".join(pieces)
    if kind >= 2:  # a mostly valid record with hostile values
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


def _run(data: bytes, today: dt.date) -> str:
    """ "lost" if formatting changed what the file says, "late" if a file that passes
    validation breaks a later step, "valid" if it passes and every step takes it, else
    "ok"; exceptions propagate."""
    path = "data/resources/fx/sid_Fx00000001.yaml"
    parsed = read_document(data)
    if not isinstance(parsed, Document):
        return "ok"
    result = check_resource(path, parsed, today)
    render_findings(result.findings)
    passed = not any(found.severity is Severity.ERROR for found in result.findings)
    record = parsed.data if passed and isinstance(parsed.data, dict) else None
    if record is not None and not _later_steps_accept(record):
        return "late"
    formatted = format_text(path, data, {}, fix=False)
    if formatted.text is not None:
        again = read_document(formatted.text.encode())
        if not isinstance(again, Document) or again.data != parsed.data:
            return "lost"
    return "valid" if record is not None else "ok"


def _later_steps_accept(record: dict[str, object]) -> bool:
    """What export, publish and the reporters do with a valid record's values: strict
    JSON, a CSV row, an SQLite row of JSON text, terminal-safe text."""
    try:
        text = json.dumps(ordered(record), allow_nan=False, ensure_ascii=False)
        csv_text([record])
        with sqlite3.connect(":memory:") as db:
            db.execute("create table t (v text)")
            db.execute("insert into t values (?)", (text,))
        for_terminal(text)
    except (ValueError, OverflowError, sqlite3.Error, UnicodeError):
        return False
    return "\\u0000" not in text  # PostgreSQL refuses it in jsonb and text


if __name__ == "__main__":
    main()
