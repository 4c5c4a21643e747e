#!/usr/bin/env python3
"""`resreg changes` on a large registry: its cost follows the size of the change.

Generates the synthetic registry of `scripts/bench.py` (N files), commits it, and on a
branch changes K of them (K/2 titles edited, K/4 retired, K/4 new resources written as
files) plus one tag, and commits. Then times, median of 5 each, in one run:

  (a) `git diff --name-only main...HEAD`: the floor, git naming what changed;
  (b) `resreg changes --base main` (markdown, what the workflow posts);
  (c) `resreg validate --base main` with a warm cache, the job that runs beside it;

and reports (b) against (a) and (c), for K = 10 and K = 1,000.

    .venv/bin/python scripts/bench_changes.py [--files 100000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

import yaml

from bench import BIN, commit_all, generate, timed
from resource_registry.check import tombstones
from resource_registry.check.identity import shard_path
from resource_registry.record.urls import resource_id
from resource_registry.record.writer import RESOURCE_ORDER, render

RUNS = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="resreg-bench-changes-"))
    try:
        base = workdir / "base"
        files = generate(base, args.files)
        commit_all(base, "registry")
        subprocess.run(["git", "-C", str(base), "branch", "-M", "main"], check=True)
        for size in (10, 1_000):
            root = workdir / f"change-{size}"
            shutil.copytree(base, root, symlinks=True)
            change(root, [root / path.relative_to(base) for path in files], size)
            report(root, size)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def change(root: Path, files: list[Path], size: int) -> None:
    """Edit, retire and add files directly (the commands' own costs are not measured)."""
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "-b", "change"], check=True)
    step = max(1, len(files) // size)
    chosen = files[::step][:size]
    edited, retired = chosen[: size // 2], chosen[size // 2 : size // 2 + size // 4]
    for path in edited:
        path.write_text(path.read_text().replace("title: ", "title: Edited ", 1))
    for path in retired:
        record = yaml.safe_load(path.read_text())
        stone = {key: record[key] for key in ("stable_id", "id", "url", "title")}
        tombstones.write(root, {**stone, "retired": "2026-01-01", "reason": "Benchmark."})
        path.unlink()
    for index in range(size - len(edited) - len(retired)):
        stable_id = f"sid_Bench{index:05d}"
        url = f"https://example.org/bench-new/{index}"
        record = {"stable_id": stable_id, "id": resource_id(url), "url": url}
        target = root / shard_path(stable_id)
        target.parent.mkdir(exist_ok=True)
        target.write_text(render({**record, "title": "New", "type": "web"}, RESOURCE_ORDER))
    tags = root / "data/tags.yaml"
    tags.write_text(tags.read_text() + "- id: bench-new-tag\n")
    commit_all(root, f"change {size}")


def report(root: Path, size: int) -> None:
    resreg = str(BIN / "resreg")
    floor = ["git", "-C", str(root), "diff", "--name-only", "main...HEAD"]
    changes = [resreg, "changes", "--root", str(root), "--base", "main", "--format", "markdown"]
    validate = [resreg, "validate", "--root", str(root), "--base", "main"]
    timed(validate)  # fills the cache
    seconds = {}
    for name, command in (("git diff", floor), ("changes", changes), ("validate", validate)):
        runs = [timed(command) for _ in range(RUNS)]
        assert all(run.returncode == 0 for run in runs), name
        seconds[name] = statistics.median(run.seconds for run in runs)
    floor_s, changes_s, validate_s = seconds["git diff"], seconds["changes"], seconds["validate"]
    print(
        f"K={size:>5}: git diff {floor_s:.3f} s, changes {changes_s:.3f} s "
        f"({changes_s / floor_s:.1f}x git diff), validate --base (warm) {validate_s:.3f} s "
        f"(changes/validate {changes_s / validate_s:.2f})",
        flush=True,
    )


if __name__ == "__main__":
    main()
