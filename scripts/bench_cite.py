#!/usr/bin/env python3
"""Citation benchmark: `resreg export`, which now also writes CSL-JSON, BibLaTeX and RIS
and reads every resource's dates from git, against the parse floor measured in the same
run; and the cost of each new step on its own.

The synthetic registry of `scripts/bench.py` is committed, then given a history: commits
that each edit some files, and one that moves files into a flat folder and back (so that
`git log` has renames to follow).

    .venv/bin/python scripts/bench_cite.py [--files 100000] [--commits 20]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from bench import BIN, commit_all, generate, parse_floor, timed
from resource_registry import dataset
from resource_registry.cite.gitdates import resource_dates
from resource_registry.cite.release import WRITERS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--commits", type=int, default=20, help="commits of edits after the first")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="resreg-bench-cite-"))
    try:
        root = workdir / "registry"
        files = generate(root, args.files)
        commit_all(root, "registry")
        give_history(root, files, args.commits)
        floor = parse_floor(root / "data" / "resources")
        print(f"parse floor {floor.seconds:.2f} s", flush=True)
        out = workdir / "dataset"
        exported = timed([str(BIN / "resreg"), "export", "--root", str(root), "--out", str(out)])
        print(f"export {exported.seconds:.2f} s (exit {exported.returncode})", flush=True)
        verified = timed([str(BIN / "resreg"), "verify", str(out)])
        steps = step_costs(root, out)
        rows = [
            ("resources", f"{len(files):,}"),
            ("commits in the history", f"{args.commits + 2}"),
            ("(a) parse floor (as in `scripts/bench.py`)", f"{floor.seconds:.2f} s"),
            (
                "(h) `resreg export`, every format with CSL-JSON, BibLaTeX, RIS and git dates",
                f"{exported.seconds:.2f} s (exit {exported.returncode})",
            ),
            ("(h) / (a)", f"**{exported.seconds / floor.seconds:.2f}** (target ≤ 3)"),
            ("(h) peak memory (PSS)", f"{exported.peak_mb:.0f} MB"),
            (
                "(i) `resreg verify`, with every record in every citation file",
                f"{verified.seconds:.2f} s (exit {verified.returncode})",
            ),
            ("(i) / (a)", f"**{verified.seconds / floor.seconds:.2f}**"),
            *((f"  of which {name}", f"{seconds:.2f} s") for name, seconds in steps),
        ]
        print("\n| measure | value |\n|---|---|")
        for name, value in rows:
            print(f"| {name} | {value} |")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def give_history(root: Path, files: list[Path], commits: int) -> None:
    """Commits that edit 100 files each, and a move of 100 files out of their folders and
    back (two commits), so that the log is more than one commit."""
    step = max(1, len(files) // (commits * 100 or 1))
    for number in range(commits):
        for path in files[number::step][:100]:
            path.write_text(path.read_text().replace("title: ", f"title: Edit {number} ", 1))
        commit_all(root, f"edit {number}")
    moved = files[1::step][:100]
    flat = root / "data" / "resources"
    for path in moved:
        path.rename(flat / path.name)
    commit_all(root, "flat")
    for path in moved:
        (flat / path.name).rename(path)
    commit_all(root, "sharded again")


def step_costs(root: Path, out: Path) -> list[tuple[str, float]]:
    """The new steps of the export, timed in this process on the exported records."""
    data = dataset.load_all(out)
    publications = {p["id"]: p for p in data.publications}
    started = time.perf_counter()
    dates = resource_dates(root)
    costs = [
        (f"git dates, one `git log` ({len(dates):,} resources)", time.perf_counter() - started)
    ]
    for name, writer in WRITERS.items():
        started = time.perf_counter()
        writer(data.resources, publications)
        costs.append((f"writing {name}", time.perf_counter() - started))
    return costs


if __name__ == "__main__":
    main()
