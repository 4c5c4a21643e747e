#!/usr/bin/env python3
"""Import benchmark: `resreg import-legacy` of the shared legacy corpus (which it converts,
writes one file per resource and then validates), against the parse floor of the
registry it writes, measured in the same run.

    .venv/bin/python scripts/bench_import.py [--corpus ../shared/corpus/legacy-wiki] [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench import BIN, PROJECT, parse_floor, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=PROJECT.parent / "shared/corpus/legacy-wiki")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sources = sorted((args.corpus / "resources").glob("*.yaml"))
    if not sources:
        sys.exit(f"bench_import: no legacy corpus at {args.corpus}")
    command = [
        str(BIN / "resreg"),
        "import-legacy",
        *map(str, sources),
        "--publications",
        str(args.corpus / "publications.yaml"),
        "--pages",
        str(args.corpus / "pages.yaml"),
    ]
    workdir = Path(tempfile.mkdtemp(prefix="resreg-bench-import-"))
    try:
        runs = [timed([*command, "--into", str(workdir / f"run-{n}")]) for n in range(args.runs)]
        written = workdir / "run-0" / "data" / "resources"
        floor = parse_floor(written)
        files = sum(1 for _ in written.rglob("*.yaml"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    seconds = [run.seconds for run in runs]
    median = statistics.median(seconds)
    print(f"| measure | value |\n|---|---|\n| resource files written | {files:,} |")
    print(f"| parse floor of the written registry | {floor.seconds:.2f} s |")
    print(
        f"| `resreg import-legacy`, median of {args.runs} (exit {runs[0].returncode}) "
        f"| **{median:.2f} s** (target ≤ 10 s); min {min(seconds):.2f} s, "
        f"max {max(seconds):.2f} s |"
    )
    print(f"| import / parse floor | **{median / floor.seconds:.1f}** |")
    print(f"| peak memory, process tree (PSS) | {max(run.peak_mb for run in runs):.0f} MB |")


if __name__ == "__main__":
    main()
