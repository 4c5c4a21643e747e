#!/usr/bin/env python3
"""Warm-run A/B: this checkout against a baseline revision, interleaved in one run.

The warm runs last about a second and this machine class is shared and noisy, so one
timing says little. This script installs a baseline revision into a temporary virtual
environment, gives each side its own copy of a committed synthetic registry, and then
alternates: edit and stage one file and run `resreg validate` (what the pre-commit hook
runs), then `resreg new`, then stage the new file and run `resreg validate` again (the
hook of a commit that adds a resource); both sides, round after round. It reports
medians, minima and the CPU time of each command's process tree, and the ratio of the
medians.

With ``--commit`` each round ends by committing its edit and its new file, as a
contributor does: the hook then always runs after a commit, and the commits pile up
since the last full run.

    .venv/bin/python scripts/bench_warm.py --baseline 5608de4 [--files 100000] [--rounds 9]
        [--commit]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import BIN, PROJECT, commit_all, generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, help="git revision to compare against")
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--commit", action="store_true", help="commit at the end of each round")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="resreg-bench-warm-"))
    try:
        baseline = install(args.baseline, workdir)
        sides = {"baseline": baseline, "this checkout": BIN / "resreg"}
        registries = {name: workdir / f"registry-{n}" for n, name in enumerate(sides)}
        files = generate(registries["baseline"], args.files)
        commit_all(registries["baseline"], "registry")
        shutil.copytree(registries["baseline"], registries["this checkout"], symlinks=True)
        for name, resreg in sides.items():
            root = registries[name]
            subprocess.run(["git", "-C", str(root), "update-index", "-q", "--refresh"], check=False)
            run([str(resreg), "validate", "--root", str(root)])  # fills the cache
        times = rounds(sides, registries, files, args.rounds, commit=args.commit)
        report(times, args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def install(revision: str, workdir: Path) -> Path:
    source = workdir / "baseline-source"
    subprocess.run(
        ["git", "-C", str(PROJECT), "worktree", "add", "-q", "--detach", str(source), revision],
        check=True,
    )
    try:
        subprocess.run([sys.executable, "-m", "venv", str(workdir / "baseline")], check=True)
        pip = [str(workdir / "baseline/bin/python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, str(source)], check=True)
    finally:
        subprocess.run(
            ["git", "-C", str(PROJECT), "worktree", "remove", "--force", str(source)], check=False
        )
    return workdir / "baseline/bin/resreg"


def rounds(
    sides: dict[str, Path],
    registries: dict[str, Path],
    files: list[Path],
    count: int,
    *,
    commit: bool,
) -> dict[str, dict[str, list[tuple[float, float]]]]:
    times: dict[str, dict[str, list[tuple[float, float]]]] = {
        name: {"hook": [], "new": [], "added": []} for name in sides
    }
    for number in range(count):
        for name, resreg in sides.items():
            root = registries[name]
            relative = files[len(files) // 3 + number * 97].relative_to(registries["baseline"])
            edit = root / relative
            edit.write_text(edit.read_text().replace("title: ", "title: Edited ", 1))
            os.utime(edit, ns=(time.time_ns() - 10**10,) * 2)  # older than the racy window
            subprocess.run(["git", "-C", str(root), "add", str(relative)], check=True)
            times[name]["hook"].append(run([str(resreg), "validate", "--root", str(root)]))
            url = f"https://example.org/warm-{number}"
            new = [str(resreg), "new", url, "--title", "New", "--root", str(root)]
            times[name]["new"].append(run(new))
            subprocess.run(["git", "-C", str(root), "add", "data"], check=True)
            # the hook of a commit that adds a resource: an identity is new
            times[name]["added"].append(run([str(resreg), "validate", "--root", str(root)]))
            if commit:
                commit_all(root, f"round {number}")
    return times


def run(command: list[str]) -> tuple[float, float]:
    """Wall seconds, and CPU seconds of the command and every process it started."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def report(
    times: dict[str, dict[str, list[tuple[float, float]]]], args: argparse.Namespace
) -> None:
    labels = {
        "hook": "`resreg validate`, one file edited and staged (the hook)",
        "new": "`resreg new`",
        "added": "`resreg validate`, the new file staged (the hook of a commit adding a resource)",
    }
    each = ", each ending with a commit" if args.commit else ""
    print(f"{args.files:,} files, {args.rounds} interleaved rounds{each}", end="")
    print(f", baseline {args.baseline}\n")
    print("| command | side | wall median | wall min | CPU median |\n|---|---|---|---|---|")
    for kind, label in labels.items():
        for name, runs in times.items():
            walls = [wall for wall, _ in runs[kind]]
            cpus = [cpu for _, cpu in runs[kind]]
            print(
                f"| {label} | {name} | {statistics.median(walls):.2f} s | {min(walls):.2f} s "
                f"| {statistics.median(cpus):.2f} s |"
            )
        theirs, ours = (statistics.median(wall for wall, _ in times[n][kind]) for n in times)
        print(f"| {label} | this / baseline | **{ours / theirs:.2f}** | | |")


if __name__ == "__main__":
    main()
