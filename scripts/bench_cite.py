#!/usr/bin/env python3
"""Citation benchmark: `resreg export`, which now also writes CSL-JSON, BibLaTeX and RIS
and reads every resource's dates from git, against the parse floor and against a
baseline revision that has neither, measured in the same run.

The synthetic registry of `scripts/bench.py` is committed, then given a history: commits
that each edit 100 files, and a move of 100 files out of their folders and back (so that
`git log` has moves to follow). Each side gets its own copy, with its cache filled by a
`resreg validate` first (as in `scripts/bench.py`'s (h)). Rounds alternate baseline and
this checkout, each export right after a parse floor of its own, so that a machine that
is busy for a while weighs on both sides alike; the medians are reported. Then the new
steps are timed on their own in this process.

    .venv/bin/python scripts/bench_cite.py --baseline REV [--files 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench import BIN, Run, commit_all, generate, parse_floor, timed
from bench_warm import install
from resource_registry.cite.gitdates import resource_dates
from resource_registry.cite.release import WRITERS
from resource_registry.release import dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, help="git revision to compare against")
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--commits", type=int, default=20, help="commits of edits after the first")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="resreg-bench-cite-"))
    try:
        sides = {"baseline": install(args.baseline, workdir), "this checkout": BIN / "resreg"}
        roots = {name: workdir / name.replace(" ", "-") / "registry" for name in sides}
        files = generate(roots["baseline"], args.files)
        commit_all(roots["baseline"], "registry")
        give_history(roots["baseline"], files, args.commits)
        shutil.copytree(roots["baseline"], roots["this checkout"], symlinks=True)
        for name, resreg in sides.items():
            timed([str(resreg), "validate", "--root", str(roots[name])])  # fills the cache
        runs: dict[str, list[tuple[Run, Run]]] = {name: [] for name in sides}
        for number in range(args.rounds):
            for name, resreg in sides.items():
                floor = parse_floor(roots[name] / "data" / "resources")
                out = workdir / f"dataset-{number}-{name.replace(' ', '-')}"
                run = timed([str(resreg), "export", "--root", str(roots[name]), "--out", str(out)])
                runs[name].append((floor, run))
                print(
                    f"round {number + 1} {name}: floor {floor.seconds:.2f} s, export "
                    f"{run.seconds:.2f} s (exit {run.returncode}), "
                    f"ratio {run.seconds / floor.seconds:.2f}",
                    flush=True,
                )
                if number < args.rounds - 1 or name == "baseline":
                    shutil.rmtree(out)
        ours = workdir / f"dataset-{args.rounds - 1}-this-checkout"
        verified = timed([str(BIN / "resreg"), "verify", str(ours)])
        report(runs, verified, step_costs(roots["this checkout"], ours), args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def report(
    runs: dict[str, list[tuple[Run, Run]]],
    verified: Run,
    steps: list[tuple[str, float]],
    args: argparse.Namespace,
) -> None:
    def median(name: str, pick: int) -> float:
        return statistics.median(pair[pick].seconds for pair in runs[name])

    def ratio(name: str) -> float:
        return statistics.median(run.seconds / floor.seconds for floor, run in runs[name])

    ours, theirs = "this checkout", "baseline"
    rows = [
        ("resources", f"{args.files:,}"),
        ("commits in the history", f"{args.commits + 3}"),
        (f"rounds (medians below), baseline {args.baseline}", f"{args.rounds}"),
        ("(a) parse floor, beside each export", f"{median(ours, 0):.2f} s"),
        ("`resreg export`, baseline (no citation files, no dates)", f"{median(theirs, 1):.2f} s"),
        ("`resreg export`, baseline / (a)", f"{ratio(theirs):.2f}"),
        (
            "(h) `resreg export`, with CSL-JSON, BibLaTeX, RIS and git dates",
            f"{median(ours, 1):.2f} s",
        ),
        ("(h) / (a)", f"**{ratio(ours):.2f}** (target ≤ 3)"),
        ("(h) / baseline", f"{median(ours, 1) / median(theirs, 1):.2f}"),
        ("(h) peak memory (PSS)", f"{max(run.peak_mb for _, run in runs[ours]):.0f} MB"),
        (
            "(i) `resreg verify`, every record in every citation file too",
            f"{verified.seconds:.2f} s (exit {verified.returncode})",
        ),
        *((f"new step: {name}", f"{seconds:.2f} s") for name, seconds in steps),
    ]
    print("\n| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


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
    costs = [(f"dates of {len(dates):,} resources, one `git log`", time.perf_counter() - started)]
    for name, writer in WRITERS.items():
        started = time.perf_counter()
        writer(data.resources, publications)
        costs.append((f"writing {name}", time.perf_counter() - started))
    return costs


if __name__ == "__main__":
    main()
