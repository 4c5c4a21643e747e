#!/usr/bin/env python3
"""Publish benchmark: a 100,000-resource dataset into an empty database, then a republish
after 100 resources changed, against the parse floor measured in the same run.

    .venv/bin/python scripts/bench_publish.py [--files 100000]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import pgtemp
from bench import BIN, generate, parse_floor, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="resreg-bench-publish-"))
    resreg = str(BIN / "resreg")
    try:
        root = workdir / "registry"
        files = generate(root, args.files)
        floor = parse_floor(root / "data" / "resources")
        timed([resreg, "export", "--root", str(root), "--out", str(workdir / "v1")])
        for path in files[:: max(1, len(files) // 100)][:100]:
            path.write_text(path.read_text().replace("title: ", "title: Changed ", 1))
        timed([resreg, "export", "--root", str(root), "--out", str(workdir / "v2")])
        with pgtemp.temporary_server() as dsn:
            publish = [resreg, "publish", "postgres", "--dsn", dsn, "--from"]
            first = timed([*publish, str(workdir / "v1")])
            again = timed([*publish, str(workdir / "v2")])
        rows = [
            ("resources", f"{len(files):,}"),
            ("parse floor", f"{floor.seconds:.2f} s"),
            (
                "first publish into an empty database",
                f"{first.seconds:.2f} s (exit {first.returncode})",
            ),
            (
                "first publish / parse floor",
                f"**{first.seconds / floor.seconds:.2f}** (target ≤ 3)",
            ),
            (
                "republish, 100 resources changed",
                f"{again.seconds:.2f} s (exit {again.returncode})",
            ),
            (
                "republish / first publish",
                f"**{again.seconds / first.seconds:.3f}** (target ≤ 0.1)",
            ),
            ("peak memory, first publish (PSS)", f"{first.peak_mb:.0f} MB"),
        ]
        print("| measure | value |\n|---|---|")
        for name, value in rows:
            print(f"| {name} | {value} |")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
