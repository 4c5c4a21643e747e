#!/usr/bin/env python3
"""Validator benchmark: resreg validate against the parse floor and check-jsonschema.

Generates a synthetic registry of N resource files (realistic field mix, sharded like
the real layout) and commits it to a new git repository, as a registry lives, then
times in one run:

  (a) the parse floor: a bare Python process that reads and parses every file with
      PyYAML's CSafeLoader;
  (b) check-jsonschema with schemas/resource.schema.json on the same files;
  (c) `resreg validate --no-cache` (every check);
  (d) `resreg validate` with a warm cache after editing and staging one file (what the
      pre-commit hook runs for a one-file commit), median of 5;
  (e) `resreg fmt --check` over every file;
  (f) `resreg new --offline` with a warm cache, median of 5;
  and `resreg validate` on a one-file registry against `python -c pass`.

Wall times are reported as ratios against (a) and (b) measured in the same run, with
peak memory (the whole process tree's proportional set size, sampled). Usage:

    .venv/bin/python scripts/bench.py [--files 100000] [--jsonschema-files N]

`--cache-figures 10000,100000 [--corpus DIR]` measures only what the cache's design is
held to, per registry (generated at each size, and the shared legacy corpus imported
with `import-legacy` from DIR): cold validation (an empty cache) against the parse
floor (and check-jsonschema, for the corpus), the median of 3 pairs (floor, then cold)
and the median of their ratios, the hook (`validate --staged`) after one staged edit,
`new`, each warm median of 5; and the lines of the cache and git code.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from resource_registry.record.writer import RESOURCE_ORDER, render

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCHEMA = PROJECT / "schemas" / "resource.schema.json"
TYPES = ["paper", "blog", "report", "book", "talk", "podcast", "government", "reference", "web"]
LABELS = ["analysis", "commentary", "news", "opinion", "peer-reviewed", "preprint", "dataset"]
WORDS = (
    "model",
    "alignment",
    "policy",
    "risk",
    "compute",
    "scaling",
    "data",
    "safety",
    "research",
    "report",
    "system",
    "agent",
    "training",
    "evaluation",
    "governance",
    "benchmark",
    "language",
    "forecast",
    "security",
    "oversight",
)
REPEATS = 5  # the warm runs are short: the median of several, on a noisy machine
COLD_PAIRS = 3  # cold runs, each after a floor run: the median ratio of the pairs
# `new` as the cache's figure: minting against every identity, not asking the source
_OFFLINE = ["--title", "N", "--offline"]
PARSE_FLOOR = """
import os, sys, yaml
loader = yaml.CSafeLoader
count = 0
for folder, _, names in os.walk(sys.argv[1]):
    for name in names:
        with open(os.path.join(folder, name), "rb") as file:
            yaml.load(file.read(), Loader=loader)
        count += 1
print(count)
"""


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    cpu: float = 0.0  # user + system seconds of the waited-for process tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument(
        "--jsonschema-files",
        type=int,
        default=None,
        help="time check-jsonschema on this many files and scale linearly",
    )
    parser.add_argument("--keep", type=Path, default=None, help="keep the registry here")
    parser.add_argument(
        "--scale",
        default=None,
        metavar="N,N,...",
        help="only measure how cold validation grows: floor, time and memory at each registry size",
    )
    parser.add_argument(
        "--cache-figures",
        default=None,
        metavar="N,N,...",
        help="only the cache's figures, at these generated sizes (and --corpus)",
    )
    parser.add_argument("--corpus", type=Path, default=None, help="the legacy corpus folder")
    args = parser.parse_args()
    if args.cache_figures is not None:
        sizes = [int(n) for n in args.cache_figures.split(",") if n]
        cache_figures(sizes, args.corpus)
        return
    if args.scale:
        scale([int(n) for n in args.scale.split(",")])
        return

    workdir = Path(tempfile.mkdtemp(prefix="resreg-bench-"))
    root = args.keep or workdir / "registry"
    try:
        started = time.perf_counter()
        files = generate(root, args.files)
        commit_all(root, "registry")
        print(
            f"generated and committed {len(files):,} files in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        report(root, files, args.jsonschema_files, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def report(root: Path, files: list[Path], jsonschema_files: int | None, workdir: Path) -> None:
    resources = root / "data" / "resources"
    resreg = str(BIN / "resreg")
    floor = parse_floor(resources)
    say("(a) parse floor", floor)
    cold = timed([resreg, "validate", "--root", str(root), "--no-cache"])
    say("(c) resreg validate --no-cache", cold)
    timed([resreg, "validate", "--root", str(root)])  # fills the cache
    warm = median_run([warm_after_edit(root, files[len(files) // 2 + n]) for n in range(REPEATS)])
    say(f"(d) validate, warm cache, one file edited and staged (median of {REPEATS})", warm)
    fmt = timed([resreg, "fmt", "--check", "--root", str(root)])
    say("(e) resreg fmt --check", fmt)
    timed([resreg, "validate", "--root", str(root)])
    new = median_run(
        [
            timed(
                [
                    resreg,
                    "new",
                    f"https://example.org/new-{n}",
                    *_OFFLINE,
                    "--root",
                    str(root),
                ]
            )
            for n in range(REPEATS)
        ]
    )
    say(f"(f) resreg new (median of {REPEATS})", new)
    exported = timed([resreg, "export", "--root", str(root), "--out", str(workdir / "dataset")])
    say("(h) resreg export", exported)
    verified = timed([resreg, "verify", str(workdir / "dataset")])
    say("(i) resreg verify", verified)
    plain, based = history_cost(root, files)
    print(
        f"(g) validate / validate --base, 100 files changed: {plain.seconds:.2f} s / "
        f"{based.seconds:.2f} s",
        flush=True,
    )
    sample = files if jsonschema_files is None else files[:jsonschema_files]
    theirs = check_jsonschema(sample, workdir)
    scaled = theirs.seconds * len(files) / len(sample)
    note = "" if len(sample) == len(files) else f" (measured on {len(sample):,}, scaled)"
    print(f"(b) check-jsonschema        {scaled:8.2f} s{note}", flush=True)
    one_file, bare = startup(workdir)
    rows = [
        ("files", f"{len(files):,}"),
        ("(a) parse floor: read + `yaml.load(CSafeLoader)` per file", f"{floor.seconds:.2f} s"),
        ("(b) check-jsonschema, our resource schema", f"{scaled:.2f} s{note}"),
        ("(c) `resreg validate --no-cache`, every check", f"{cold.seconds:.2f} s"),
        ("(c) / (a)", f"**{cold.seconds / floor.seconds:.2f}** (target ≤ 1.0)"),
        ("(c) / (b)", f"**{cold.seconds / scaled:.3f}** (target ≤ 0.1)"),
        ("(c) peak memory, process tree (PSS)", f"**{cold.peak_mb:.0f} MB** (target ≤ 300)"),
        (
            f"(d) `resreg validate`, warm cache, one file edited and staged (median of {REPEATS})",
            f"{warm.seconds:.2f} s",
        ),
        ("(d) / (c)", f"**{warm.seconds / cold.seconds:.2f}** (target ≤ 0.1, and ≤ 0.5 s)"),
        ("(e) `resreg fmt --check`, every file", f"{fmt.seconds:.2f} s (exit {fmt.returncode})"),
        ("(e) / (a)", f"**{fmt.seconds / floor.seconds:.2f}** (target ≤ 2)"),
        (
            f"(f) `resreg new`, warm cache (median of {REPEATS})",
            f"**{new.seconds:.2f} s** (target ≤ 0.5 s)",
        ),
        (
            "(h) `resreg export`, every format",
            f"{exported.seconds:.2f} s (exit {exported.returncode})",
        ),
        ("(h) / (a)", f"**{exported.seconds / floor.seconds:.2f}** (target ≤ 3)"),
        ("(h) peak memory, process tree (PSS)", f"**{exported.peak_mb:.0f} MB** (target ≤ 1,024)"),
        (
            "(i) `resreg verify`, every check",
            f"{verified.seconds:.2f} s (exit {verified.returncode})",
        ),
        ("(i) / (a)", f"**{verified.seconds / floor.seconds:.2f}** (target ≤ 1)"),
        (
            "(g) `resreg validate`, warm, 100 files changed since the last commit",
            f"{plain.seconds:.2f} s",
        ),
        ("(g) the same with `--base HEAD` (history check)", f"{based.seconds:.2f} s"),
        (
            "(g) history check's own cost / (c)",
            f"**{max(based.seconds - plain.seconds, 0) / cold.seconds:.3f}** (target ≤ 0.5)",
        ),
        ("one-file registry: `resreg validate` (median of 7)", f"{one_file * 1000:.0f} ms"),
        ("`python -c pass` (median of 7)", f"{bare * 1000:.0f} ms"),
    ]
    print("\n| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    if cold.returncode != 0:
        sys.exit("resreg validate did not pass on the synthetic registry")


def scale(sizes: list[int]) -> None:
    print(
        "| files | parse floor | `validate --no-cache` | ratio | peak memory (PSS) | "
        "warm, one file edited |\n|---|---|---|---|---|---|"
    )
    for size in sizes:
        workdir = Path(tempfile.mkdtemp(prefix="resreg-scale-"))
        try:
            root = workdir / "registry"
            files = generate(root, size)
            commit_all(root, "registry")
            floor = parse_floor(root / "data" / "resources")
            cold = timed([str(BIN / "resreg"), "validate", "--root", str(root), "--no-cache"])
            timed([str(BIN / "resreg"), "validate", "--root", str(root)])
            warm = median_run(
                [warm_after_edit(root, files[len(files) // 2 + n]) for n in range(REPEATS)]
            )
            print(
                f"| {size:,} | {floor.seconds:.2f} s | {cold.seconds:.2f} s | "
                f"{cold.seconds / floor.seconds:.2f} | {cold.peak_mb:.0f} MB | "
                f"{warm.seconds:.2f} s |",
                flush=True,
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def cache_figures(sizes: list[int], corpus: Path | None) -> None:
    """The figures of the cache's design (see the module's docstring), one table row each."""
    print(
        "| registry | files | parse floor (median) | cold `validate` (median) "
        "| / floor (median of the pairs' ratios) | cold `--no-cache` "
        "| check-jsonschema | / check-jsonschema | hook after one staged edit | `new` |\n"
        + "|---" * 10
        + "|",
        flush=True,
    )
    # as on a user's machine, Python keeps compiled modules: without them every command
    # would compile all it imports, which measures the environment, not the code
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    modules = ", ".join(
        f"resource_registry.{name}" for name in ("cli", "registry.validate", "registry.staged")
    )
    subprocess.run(
        [sys.executable, "-c", f"import {modules}, resource_registry.edit.authoring"], check=True
    )
    registries: list[tuple[str, int | None]] = [("generated", size) for size in sizes]
    if corpus is not None:
        registries.append(("legacy corpus", None))
    for name, size in registries:
        workdir = Path(tempfile.mkdtemp(prefix="resreg-cache-bench-"))
        try:
            root = workdir / "registry"
            if size is None:
                assert corpus is not None
                files = import_corpus(corpus, root)
            else:
                files = generate(root, size)
            commit_all(root, "registry")
            print(cache_row(name, root, files, workdir, with_jsonschema=size is None), flush=True)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    package = PROJECT / "src" / "resource_registry"
    counts = {
        path.relative_to(package).as_posix(): len(path.read_text().splitlines())
        for path in package.rglob("*.py")
    }
    cache_lines = sum(lines for name, lines in counts.items() if name.startswith("cache/"))
    largest = max(counts, key=counts.__getitem__)
    print(
        f"\ncache/ {cache_lines} lines, base/git.py {counts['base/git.py']} "
        f"(cache + git: {cache_lines + counts['base/git.py']}); largest module: "
        f"{largest} {counts[largest]} lines"
    )


def import_corpus(corpus: Path, root: Path) -> list[Path]:
    resources = sorted(str(path) for path in (corpus / "resources").glob("*.yaml"))
    command = [str(BIN / "resreg"), "import-legacy", *resources, "--into", str(root)]
    command += ["--publications", str(corpus / "publications.yaml")]
    command += ["--pages", str(corpus / "pages.yaml")]
    subprocess.run(command, check=True, capture_output=True)
    return sorted((root / "data" / "resources").rglob("*.yaml"))


def cache_row(
    name: str, root: Path, files: list[Path], workdir: Path, *, with_jsonschema: bool
) -> str:
    resreg = str(BIN / "resreg")
    floors, colds, ratios = [], [], []
    # unsampled: no column shows memory, and reading the page tables of every process
    # every 50 ms takes a share of two cores from a run that forks
    for _ in range(COLD_PAIRS):  # in pairs: a slow spell of the machine slows both
        floors.append(parse_floor(root / "data" / "resources", sampled=False))
        shutil.rmtree(root / ".git" / "resreg-cache", ignore_errors=True)
        colds.append(timed([resreg, "validate", "--root", str(root)], sampled=False))
        ratios.append(colds[-1].seconds / floors[-1].seconds)
    floor, cold, ratio = median_run(floors), median_run(colds), statistics.median(ratios)
    uncached = timed([resreg, "validate", "--root", str(root), "--no-cache"], sampled=False)
    jsonschema = check_jsonschema(files, workdir).seconds if with_jsonschema else None
    hooks = []
    for n in range(REPEATS):
        path = files[len(files) // 2 + n]
        path.write_text(path.read_text().replace("title: ", "title: Edited ", 1))
        subprocess.run(["git", "add", str(path)], cwd=root, check=True)
        hooks.append(timed([resreg, "validate", "--root", str(root), "--staged"], sampled=False))
    hook = median_run(hooks)
    new = median_run(
        [
            timed(
                [resreg, "new", f"https://example.org/n{n}", *_OFFLINE, "--root", str(root)],
                sampled=False,
            )
            for n in range(REPEATS)
        ]
    )
    versus = f"{jsonschema:.2f} s | {cold.seconds / jsonschema:.3f}" if jsonschema else "n/a | n/a"
    return (
        f"| {name} | {len(files):,} | {floor.seconds:.2f} s | {cold.seconds:.2f} s "
        f"(exit {cold.returncode}) | **{ratio:.2f}** | "
        f"{uncached.seconds:.2f} s | {versus} | **{hook.seconds:.2f} s** (CPU "
        f"{hook.cpu:.2f} s, exit {hook.returncode}) | **{new.seconds:.2f} s** (CPU "
        f"{new.cpu:.2f} s) |"
    )


def commit_all(root: Path, message: str) -> None:
    """Commit everything under ``root`` (a new repository if needed): a registry lives in
    git, and the incremental cache takes its change detection from git's index."""
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="bench",
        GIT_AUTHOR_EMAIL="bench@example.org",
        GIT_COMMITTER_NAME="bench",
        GIT_COMMITTER_EMAIL="bench@example.org",
    )
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        # no automatic gc: packing in the background would race with the timed runs
        subprocess.run(["git", "-c", "gc.auto=0", *args], cwd=root, env=env, check=True)


def warm_after_edit(root: Path, path: Path) -> Run:
    """What the pre-commit hook runs after a one-file change: the file is edited and
    staged (older than the racy window), then the whole registry is validated."""
    path.write_text(path.read_text().replace("title: ", "title: Edited ", 1))
    os.utime(path, ns=(time.time_ns() - 10**10,) * 2)
    subprocess.run(["git", "add", str(path)], cwd=root, check=True)
    return timed([str(BIN / "resreg"), "validate", "--root", str(root)])


def median_run(runs: list[Run]) -> Run:
    middle = sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]
    cpu = statistics.median(run.cpu for run in runs)
    return Run(middle.seconds, max(run.peak_mb for run in runs), middle.returncode, cpu)


def history_cost(root: Path, files: list[Path]) -> tuple[Run, Run]:
    """Commit the registry, change 100 files, then time validation without and with the
    history check (both with a warm cache, so the difference is the history check)."""
    commit_all(root, "base")
    old = time.time_ns() - 10**10
    for path in files[:: max(1, len(files) // 100)][:100]:
        path.write_text(path.read_text().replace("title: ", "title: Changed ", 1))
        os.utime(path, ns=(old, old))
    resreg = str(BIN / "resreg")
    timed([resreg, "validate", "--root", str(root)])  # caches the changed files
    plain = timed([resreg, "validate", "--root", str(root)])
    based = timed([resreg, "validate", "--root", str(root), "--base", "HEAD"])
    return plain, based


def say(name: str, run: Run) -> None:
    print(
        f"{name:<45} {run.seconds:8.2f} s {run.peak_mb:6.0f} MB (exit {run.returncode})", flush=True
    )


def check_jsonschema(files: list[Path], workdir: Path) -> Run:
    """check-jsonschema over the files, in batches that fit on a command line."""
    total, peak = 0.0, 0.0
    for start in range(0, len(files), 5000):
        batch = [str(path) for path in files[start : start + 5000]]
        run = timed([str(BIN / "check-jsonschema"), "--schemafile", str(SCHEMA), *batch])
        total += run.seconds
        peak = max(peak, run.peak_mb)
    return Run(total, peak, 0)


def startup(workdir: Path) -> tuple[float, float]:
    root = workdir / "one"
    shutil.copytree(PROJECT / "data", root / "data", ignore=shutil.ignore_patterns("resources"))
    example = PROJECT / "data/resources/d9/sid_d9EnmTcnin.yaml"
    (root / "data/resources/d9").mkdir(parents=True)
    shutil.copy(example, root / "data/resources/d9")
    ours = [timed([str(BIN / "resreg"), "validate", "--root", str(root)]).seconds for _ in range(7)]
    bare = [timed([sys.executable, "-c", "pass"]).seconds for _ in range(7)]
    return statistics.median(ours), statistics.median(bare)


def parse_floor(folder: Path, *, sampled: bool = True) -> Run:
    """The baseline every ratio is taken against: read and `yaml.load` each file."""
    return timed([sys.executable, "-c", PARSE_FLOOR, str(folder)], sampled=sampled)


def timed(command: list[str], *, sampled: bool = True) -> Run:
    """Wall and CPU time of ``command``, and (``sampled``) its peak memory: sampling
    reads /proc every 50 ms, which perturbs a sub-second run on a small machine, so the
    warm commands, whose memory no table shows, are not sampled."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = [0]
    sampler = threading.Thread(target=_sample_rss, args=(process, peak), daemon=True)
    if sampled:
        sampler.start()
    returncode = process.wait()
    seconds = time.perf_counter() - started
    if sampled:
        sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Run(seconds, peak[0] / 1024, returncode, cpu)


def _sample_rss(process: subprocess.Popen[bytes], peak: list[int]) -> None:
    while process.poll() is None:
        peak[0] = max(peak[0], _tree_rss_kb(process.pid))
        time.sleep(0.05)


def _tree_rss_kb(pid: int) -> int:
    """Proportional set size of a process and its descendants: shared pages (the
    interpreter and libraries that forked workers share) are counted once, not per
    process. Falls back to the resident set where smaps_rollup is unavailable."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            total += _memory_kb(current)
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def _memory_kb(pid: int) -> int:
    rollup = Path(f"/proc/{pid}/smaps_rollup")
    if rollup.exists():
        lines = rollup.read_text().splitlines()
        return next(int(line.split()[1]) for line in lines if line.startswith("Pss:"))
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def generate(root: Path, count: int) -> list[Path]:
    """A valid registry of ``count`` resources with a realistic mix of fields."""
    rng = random.Random(20261126)
    tags = [f"topic-{i}" for i in range(300)]
    pages = [f"page-{i}" for i in range(600)]
    publications = [f"venue-{i}" for i in range(80)]
    data = root / "data"
    (data / "resources").mkdir(parents=True, exist_ok=True)
    (data / "tags.yaml").write_text("".join(f"- id: {tag}\n" for tag in tags))
    (data / "pages.yaml").write_text("".join(f"- id: {p}\n  title: Page {p}\n" for p in pages))
    (data / "publications.yaml").write_text(
        "".join(f"- id: {p}\n  name: Venue {p}\n  type: news\n" for p in publications)
    )
    alphabet = string.digits + string.ascii_letters
    paths, seen = [], set()
    for index in range(count):
        stable_id = "sid_" + "".join(rng.choice(alphabet) for _ in range(10))
        if stable_id.lower() in seen:
            continue
        seen.add(stable_id.lower())
        path = data / "resources" / stable_id[4:6].lower() / f"{stable_id}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(_record(rng, index, stable_id, tags, pages, publications))
        paths.append(path)
    return paths


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _record(
    rng: random.Random,
    index: int,
    stable_id: str,
    tags: list[str],
    pages: list[str],
    publications: list[str],
) -> str:
    """One resource in canonical form (as `resreg fmt` keeps a real registry)."""
    url = f"https://site-{index % 997}.example.org/articles/{index}/{rng.choice(WORDS)}"
    record: dict[str, object] = {
        "stable_id": stable_id,
        "id": hashlib.sha256(url.encode()).hexdigest()[:16],
        "url": url,
        "title": _sentence(rng, rng.randint(4, 12))[:-1],
        "type": rng.choice(TYPES),
    }
    if rng.random() < 0.4:
        record["publication"] = rng.choice(publications)
    if rng.random() < 0.6:
        year, month, day = rng.randint(1990, 2025), rng.randint(1, 12), rng.randint(1, 28)
        record["published_date"] = rng.choice(
            [f"{year}", f"{year}-{month:02d}", f"{year}-{month:02d}-{day:02d}"]
        )
    if rng.random() < 0.5:
        record["authors"] = [f"Author {n}" for n in rng.sample(range(1, 5000), rng.randint(1, 4))]
    if rng.random() < 0.5:
        record["importance"] = rng.randint(0, 100)
    if rng.random() < 0.3:
        record["labels"] = sorted(rng.sample(LABELS, rng.randint(1, 2)))
    if rng.random() < 0.5:
        record["summary"] = _sentence(rng, rng.randint(20, 45))
    if rng.random() < 0.3:
        record["key_points"] = [
            _sentence(rng, rng.randint(6, 14)) for _ in range(rng.randint(2, 5))
        ]
    record["tags"] = sorted(rng.sample(tags, rng.randint(1, 4)))
    record["cited_by"] = sorted(rng.sample(pages, rng.randint(1, 3)))
    return render(record, RESOURCE_ORDER)


if __name__ == "__main__":
    main()
