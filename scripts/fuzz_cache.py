#!/usr/bin/env python3
"""The cache's differential test: after every random operation on a registry checkout,
cached and uncached validation must agree (the work tree, the hook's staged view, and
the identities lookups use). A mismatch is shrunk to a minimal sequence of operations.

    .venv/bin/python scripts/fuzz_cache.py [--ops 2000] [--seed 1] [--sequence 60]

Operations: edits, same-size edits with the old modification time put back, racy
same-second edits, additions (duplicates, broken YAML, a date in the future), deletions,
renames and moves, touches, commits, amends, branch switches, resets, stashes, links in
place of files and folders, FIFOs, folders in place of files, vocabulary edits, `cp -a`
copies of the whole checkout, runs killed part way and runs side by side. Prints the
operations run and the mismatches.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from resource_registry import Options, validate
from resource_registry.base.errors import UsageError
from resource_registry.cache import results as cache
from resource_registry.record.urls import resource_id
from resource_registry.record.writer import RESOURCE_ORDER, render
from resource_registry.registry import lookup
from resource_registry.registry.staged import validate_staged

BASE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "base"
TODAY = dt.date(2026, 1, 15)
SHARDS = ("aa", "ab", "zz")
URLS = [f"https://example.org/{n}" for n in range(6)]


@dataclass
class Checkout:
    """The registry being fuzzed (it moves when the checkout is copied)."""

    root: Path
    work: Path
    copies: int = 0
    log: list[str] = field(default_factory=list)

    def files(self) -> list[Path]:
        found = (self.root / "data/resources").rglob("*")
        return sorted(p for p in found if p.is_file() and not p.is_symlink())

    def git(self, *args: str) -> bool:
        env = dict(os.environ, GIT_AUTHOR_NAME="F", GIT_AUTHOR_EMAIL="f@example.org")
        env.update(GIT_COMMITTER_NAME="F", GIT_COMMITTER_EMAIL="f@example.org")
        git = ["git", *args]
        done = subprocess.run(git, cwd=self.root, env=env, capture_output=True, check=False)
        return done.returncode == 0


def _stable_id(rng: random.Random) -> str:
    shard = rng.choice(SHARDS)
    return f"sid_{shard.upper() if rng.random() < 0.1 else shard}{rng.randrange(10**8):08d}"


def _text(rng: random.Random, stable_id: str) -> str:
    url = rng.choice(URLS) if rng.random() < 0.3 else f"https://example.org/r{rng.randrange(99)}"
    record: dict[str, object] = {
        "stable_id": stable_id,
        "id": resource_id(url),
        "url": url,
        "title": rng.choice(["A paper", "example.org", "Title &amp; more", "B"]),
        "type": rng.choice(["paper", "blog", "papyrus"]),
    }
    if rng.random() < 0.3:
        record["tags"] = rng.sample(["alignment", "governance", "misspelt"], 2)
    if rng.random() < 0.2:
        record["published_date"] = rng.choice(["2999-01-01", "2020", "2021-02-30"])
    if rng.random() < 0.2:
        record["importance"] = rng.choice([5, 500])
    text = render(record, RESOURCE_ORDER)
    if rng.random() < 0.1:
        text += rng.choice(["title: Yes: we can\n", "\t- bad\n", "x: [\n"])
    return text


def _shard_path(root: Path, stable_id: str) -> Path:
    return root / "data/resources" / stable_id[4:6].lower() / f"{stable_id}.yaml"


def _pick(checkout: Checkout, rng: random.Random) -> Path | None:
    files = checkout.files()
    return rng.choice(files) if files else None


def op_add(checkout: Checkout, rng: random.Random) -> str:
    stable_id = _stable_id(rng)
    target = _shard_path(checkout.root, stable_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(_text(rng, stable_id))
    return f"add {target.name}"


def op_edit(checkout: Checkout, rng: random.Random) -> str:
    if (target := _pick(checkout, rng)) is None:
        return "edit: none"
    target.write_text(_text(rng, target.stem))
    return f"edit {target.name}"


def op_same_size_edit(checkout: Checkout, rng: random.Random) -> str:
    """As `cp -p`, `rsync -t` and `tar` do: new bytes, same size, the old mtime back."""
    if (target := _pick(checkout, rng)) is None:
        return "same-size: none"
    before = target.stat()
    data = bytearray(target.read_bytes())
    if not data:
        return "same-size: empty"
    at = rng.randrange(len(data))
    data[at] = ord(rng.choice("xyz:#\n ")) if data[at] != ord("\n") else data[at]
    target.write_bytes(bytes(data))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    return f"same-size edit {target.name}@{at}"


def op_racy_edits(checkout: Checkout, rng: random.Random) -> str:
    """Two same-size edits within one second, the second checked only by a later run."""
    if (target := _pick(checkout, rng)) is None:
        return "racy: none"
    text = target.read_text(errors="replace")
    first = text.replace("type: paper", "type: blog!", 1).replace("type: blog\n", "type: paper\n")
    target.write_text(first)
    stamp = target.stat()
    validate(checkout.root, Options(today=TODAY, jobs=1))  # a run in between
    target.write_text(first.swapcase() if rng.random() < 0.5 else first[::-1])
    os.utime(target, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    return f"racy edits {target.name}"


def op_delete(checkout: Checkout, rng: random.Random) -> str:
    if (target := _pick(checkout, rng)) is None:
        return "delete: none"
    target.unlink()
    return f"delete {target.name}"


def op_rename(checkout: Checkout, rng: random.Random) -> str:
    if (target := _pick(checkout, rng)) is None:
        return "rename: none"
    new = _shard_path(checkout.root, _stable_id(rng))
    new.parent.mkdir(parents=True, exist_ok=True)
    target.rename(new)
    return f"rename {target.name} -> {new.name}"


def op_touch(checkout: Checkout, rng: random.Random) -> str:
    if (target := _pick(checkout, rng)) is None:
        return "touch: none"
    target.touch()
    return f"touch {target.name}"


def op_commit(checkout: Checkout, rng: random.Random) -> str:
    checkout.git("add", "-A", "data")
    amend = ["--amend"] if rng.random() < 0.3 else []
    checkout.git("commit", "-q", "--no-verify", "--allow-empty", "-m", "fuzz", *amend)
    return "commit" + (" --amend" if amend else "")


def op_stage(checkout: Checkout, rng: random.Random) -> str:
    if (target := _pick(checkout, rng)) is None:
        return "stage: none"
    checkout.git("add", "--", str(target.relative_to(checkout.root)))
    return f"stage {target.name}"


def op_branch(checkout: Checkout, rng: random.Random) -> str:
    name = rng.choice(["main", "other", "third"])
    if not checkout.git("checkout", "-q", name):
        checkout.git("checkout", "-q", "-b", name)
    return f"switch to {name}"


def op_stash(checkout: Checkout, rng: random.Random) -> str:
    if rng.random() < 0.5:
        checkout.git("stash", "-q", "-u")
        return "stash"
    checkout.git("stash", "pop", "-q")
    return "stash pop"


def op_reset(checkout: Checkout, rng: random.Random) -> str:
    checkout.git("reset", "-q", "--hard", "HEAD~1" if rng.random() < 0.3 else "HEAD")
    return "reset --hard"


def op_link(checkout: Checkout, rng: random.Random) -> str:
    """A file, then maybe a shard folder, replaced by a link (and back, another time)."""
    links = [p for p in (checkout.root / "data/resources").rglob("*") if p.is_symlink()]
    if links and rng.random() < 0.5:
        link = rng.choice(links)
        link.unlink()
        return f"unlink {link.name}"
    if (target := _pick(checkout, rng)) is None:
        return "link: none"
    if rng.random() < 0.3:
        folder = target.parent
        moved = checkout.work / f"moved-{rng.randrange(10**6)}"
        shutil.move(folder, moved)
        folder.symlink_to(moved, target_is_directory=True)
        return f"link folder {folder.name}"
    other = _pick(checkout, rng) or target
    content = checkout.work / f"outside-{rng.randrange(10**6)}.yaml"
    content.write_bytes(other.read_bytes())
    target.unlink()
    target.symlink_to(content)
    return f"link {target.name}"


def op_fifo(checkout: Checkout, rng: random.Random) -> str:
    folder = checkout.root / "data/resources" / rng.choice(SHARDS)
    folder.mkdir(parents=True, exist_ok=True)
    fifo = folder / f"{_stable_id(rng)}.yaml"
    os.mkfifo(fifo)
    return f"fifo {fifo.name}"


def op_folder(checkout: Checkout, rng: random.Random) -> str:
    if (target := _pick(checkout, rng)) is None:
        return "folder: none"
    target.unlink()
    target.mkdir()
    return f"folder in place of {target.name}"


def op_vocabulary(checkout: Checkout, rng: random.Random) -> str:
    tags = checkout.root / "data/tags.yaml"
    text = tags.read_text()
    if "governance" in text and rng.random() < 0.5:
        tags.write_text(text.replace("id: governance", "id: governanze"))
    else:
        tags.write_text(text.replace("id: governanze", "id: governance"))
    return "vocabulary edit"


def op_copy(checkout: Checkout, rng: random.Random) -> str:
    """`cp -a` of the whole checkout; the copy is fuzzed from now on."""
    checkout.copies += 1
    copy = checkout.work / f"copy-{checkout.copies}"
    subprocess.run(["cp", "-a", str(checkout.root), str(copy)], check=True)
    checkout.root = copy
    return f"cp -a to {copy.name}"


def op_killed_run(checkout: Checkout, rng: random.Random) -> str:
    """A validation killed part way (its transaction never lands), after an edit."""
    op_edit(checkout, rng)
    run = _resreg(checkout, "validate")
    time.sleep(rng.uniform(0.05, 0.6))
    run.kill()
    run.wait()
    return "killed run"


def op_concurrent_runs(checkout: Checkout, rng: random.Random) -> str:
    """Two validations at once, one after an edit made while the other runs."""
    first = _resreg(checkout, "validate")
    op_same_size_edit(checkout, rng)
    second = _resreg(checkout, "validate")
    first.wait()
    second.wait()
    return "concurrent runs"


def _resreg(checkout: Checkout, *args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "resource_registry", *args, "--root", str(checkout.root)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


OPERATIONS: dict[str, tuple[Callable[[Checkout, random.Random], str], int]] = {
    "add": (op_add, 6),
    "edit": (op_edit, 8),
    "same-size": (op_same_size_edit, 6),
    "racy": (op_racy_edits, 3),
    "delete": (op_delete, 2),
    "rename": (op_rename, 2),
    "touch": (op_touch, 2),
    "commit": (op_commit, 3),
    "stage": (op_stage, 3),
    "branch": (op_branch, 2),
    "stash": (op_stash, 2),
    "reset": (op_reset, 1),
    "link": (op_link, 2),
    "fifo": (op_fifo, 1),
    "folder": (op_folder, 1),
    "vocabulary": (op_vocabulary, 1),
    "copy": (op_copy, 1),
    "killed": (op_killed_run, 1),
    "concurrent": (op_concurrent_runs, 1),
}


def sequence(rng: random.Random, length: int) -> list[tuple[str, int]]:
    """A random sequence of (operation, seed of its own choices)."""
    names = list(OPERATIONS)
    weights = [OPERATIONS[name][1] for name in names]
    return [(rng.choices(names, weights)[0], rng.randrange(2**32)) for _ in range(length)]


def mismatch(checkout: Checkout) -> str | None:
    """How cached and uncached answers differ now, or None."""
    root = checkout.root
    cached = validate(root, Options(today=TODAY))  # forked parts, as SPLIT_FROM says
    fresh = validate(root, Options(today=TODAY, jobs=1, cache=False))
    if (cached.findings, cached.files_checked) != (fresh.findings, fresh.files_checked):
        return "validate: " + _difference(cached.findings, fresh.findings)
    if lookup.identities(root) != lookup.identities(root, cache=False):
        return "lookup identities differ"
    if (root / ".git").exists() and checkout.git("rev-parse", "-q", "--verify", "HEAD"):
        hook = _staged(root, cache=True)
        hook_fresh = _staged(root, cache=False)
        if isinstance(hook, str) or isinstance(hook_fresh, str):  # a refusal, such as a conflict
            return None if hook == hook_fresh else f"validate --staged: {hook!r} / {hook_fresh!r}"
        if hook != hook_fresh:
            return "validate --staged: " + _difference(hook, hook_fresh)
    return None


def _staged(root: Path, *, cache: bool) -> list[object] | str:
    """The hook's findings, or the message of its refusal (an index with a merge conflict
    is refused, with or without the cache)."""
    try:
        return list(validate_staged(root, Options(today=TODAY, jobs=1, cache=cache)).findings)
    except UsageError as error:
        return str(error)


def _difference(cached: list[object], fresh: list[object]) -> str:
    only_cached = [str(item) for item in cached if item not in fresh][:3]
    only_fresh = [str(item) for item in fresh if item not in cached][:3]
    return f"cached only {only_cached}, uncached only {only_fresh}"


def replay(operations: list[tuple[str, int]], work: Path) -> tuple[int, str | None]:
    """Run ``operations`` on a fresh checkout in ``work``, comparing after each: how many
    ran and the first mismatch (None if none)."""
    root = work / "registry"
    shutil.copytree(BASE, root)
    (root / "data/resources").mkdir(parents=True, exist_ok=True)
    checkout = Checkout(root, work)
    checkout.git("init", "-q", "-b", "main")
    for count, (name, seed) in enumerate(operations, start=1):
        rng = random.Random(seed)
        try:
            checkout.log.append(OPERATIONS[name][0](checkout, rng))
        except OSError as error:  # an operation that does not apply here (a fifo taken...)
            checkout.log.append(f"{name}: {error.strerror}")
        # git leaves no empty folder; without it the root is no registry (a usage error)
        (checkout.root / "data/resources").mkdir(parents=True, exist_ok=True)
        if rng.random() < 0.7:  # else the run follows at once, inside the racy window
            time.sleep(2 * cache.RACY_NS / 1e9)
        # snapshots rewritten at once or left behind for a few runs, step by step
        cache.REWRITE_AFTER = rng.choice((1, 1, 4, 64))  # type: ignore[misc]  # reason: a test setting
        # checks split over forked parts, or all in this process
        cache.SPLIT_FROM = rng.choice((1, 2, 400))  # type: ignore[misc]  # reason: a test setting
        # fresh results saved by a forked child while the report is made, or here first
        cache.SAVE_APART = rng.choice((1, 2000))  # type: ignore[misc]  # reason: a test setting
        if (found := mismatch(checkout)) is not None:
            return count, f"after {checkout.log[-1]!r}: {found}"
    return len(operations), None


def shrink(operations: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """A shorter sequence that still mismatches (deleting chunks, then single steps)."""
    chunk = max(1, len(operations) // 2)
    while chunk >= 1:
        start = 0
        while start < len(operations):
            candidate = operations[:start] + operations[start + chunk :]
            with tempfile.TemporaryDirectory(prefix="resreg-fuzz-") as work:
                _, found = replay(candidate, Path(work))
            if found is not None:
                operations = candidate
            else:
                start += chunk
        chunk //= 2
    return operations


@dataclass
class Outcome:
    operations: int = 0
    mismatches: list[str] = field(default_factory=list)


def fuzz(
    total: int, seed: int, length: int, *, racy_ms: float = 30, shrinking: bool = True
) -> Outcome:
    """Random sequences of ``length`` operations until ``total`` have run. The racy
    window is narrowed to ``racy_ms`` (still above this file system's timestamp
    granularity), so that files age past it between operations and the cache's stat
    records are used and tested, not only its reads."""
    cache.RACY_NS = int(racy_ms * 1e6)  # type: ignore[misc]  # reason: a test setting
    rng = random.Random(seed)
    outcome = Outcome()
    while outcome.operations < total:
        operations = sequence(rng, min(length, total - outcome.operations))
        with tempfile.TemporaryDirectory(prefix="resreg-fuzz-") as work:
            ran, found = replay(operations, Path(work))
        outcome.operations += ran
        if found is not None:
            minimal = shrink(operations[:ran]) if shrinking else operations[:ran]
            outcome.mismatches.append(f"{found}; minimal sequence: {minimal}")
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=2000, help="operations to run in all")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random sequences")
    parser.add_argument("--sequence", type=int, default=60, help="operations per checkout")
    parser.add_argument("--racy-ms", type=float, default=30, help="the racy window (ms)")
    args = parser.parse_args()
    started = time.perf_counter()
    outcome = fuzz(args.ops, args.seed, args.sequence, racy_ms=args.racy_ms)
    elapsed = time.perf_counter() - started
    print("| operations run | mismatches | seconds |\n|---|---|---|")
    print(f"| {outcome.operations} | {len(outcome.mismatches)} | {elapsed:.0f} |")
    for found in outcome.mismatches:
        print(f"- {found}")
    return 1 if outcome.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
