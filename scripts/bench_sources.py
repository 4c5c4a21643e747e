#!/usr/bin/env python3
"""Metadata-source benchmarks: politeness of `enrich` and accuracy on real pages.

Politeness: every arXiv paper of the legacy corpus becomes a resource with no authors,
date or abstract; `enrich` fills them from a local arXiv API (127.0.0.1, answering in the
Atom format after ``--latency`` seconds) at arXiv's real pace (one request at a time, 3 s
apart). Reported: requests made against the fewest the batch size allows, and the wall
time against the floor the per-host limits impose, where
the interval counts from the end of one answer to the next request: (requests - 1) *
(interval + latency) + latency; then a rerun, which must ask nothing.

Accuracy: the page sources (tags, main text, plain HTML) on public evaluation sets of
real pages, read from a checkout given by path (never part of this repository):
trafilatura's ``tests/evaldata.json`` (title, author and date of each page) and
htmldate's ``tests/eval_default.json`` and ``tests/eval_mediacloud_2020.json`` (dates).

    .venv/bin/python scripts/bench_sources.py politeness --corpus ../shared/corpus/legacy-wiki
    .venv/bin/python scripts/bench_sources.py accuracy --trafilatura PATH --htmldate PATH
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "tests"))

import recorded  # noqa: E402 - reason: the tests' recorded server and Atom feed
from resource_registry.check.identity import shard_path  # noqa: E402
from resource_registry.record.urls import resource_id  # noqa: E402
from resource_registry.record.writer import RESOURCE_ORDER, render  # noqa: E402
from resource_registry.sources import compare, enrich  # noqa: E402
from resource_registry.sources.filling import client_for, settings_for  # noqa: E402
from resource_registry.sources.gather import (  # noqa: E402
    ARXIV_INTERVAL,
    Described,
    page_sources,
    read_page,
)
from resource_registry.sources.http import Answer  # noqa: E402
from resource_registry.sources.identifiers import arxiv_id  # noqa: E402

BATCH = 100


def corpus_arxiv_ids(corpus: Path) -> list[str]:
    ids: dict[str, None] = {}
    for path in sorted((corpus / "resources").glob("*.yaml")):
        for item in yaml.safe_load(path.read_text()) or []:
            url = item.get("url") if isinstance(item, dict) else None
            if isinstance(url, str) and (found := arxiv_id(url)):
                ids[found] = None
    return list(ids)


def politeness(args: argparse.Namespace) -> None:
    ids = corpus_arxiv_ids(Path(args.corpus))
    minimum = math.ceil(len(ids) / BATCH)
    floor = (minimum - 1) * (args.interval + args.latency) + args.latency
    print(f"arXiv papers in the corpus: {len(ids)} unique ids")
    print(f"interval {args.interval:.1f} s, latency {args.latency:.2f} s, floor {floor:.2f} s")
    ratios = []
    for _ in range(args.repeat):
        ratios.append(_polite_run(ids, args, minimum, floor))
    ratios.sort()
    print(f"ratio wall / floor over {args.repeat} runs: median {ratios[len(ratios) // 2]:.3f}")


def _polite_run(ids: list[str], args: argparse.Namespace, minimum: int, floor: float) -> float:
    papers = recorded.synthetic_papers(ids)
    served = recorded.start({"/arxiv/api/query": recorded.arxiv_route(papers)})
    served.latency = args.latency
    with tempfile.TemporaryDirectory(prefix="bench-sources-") as scratch:
        root = Path(scratch) / "registry"
        shutil.copytree(PROJECT / "tests/fixtures/base", root)
        for index, key in enumerate(ids):
            url = f"https://arxiv.org/abs/{key}"
            stable = f"sid_Bench{index:05d}"
            record = {"stable_id": stable, "id": resource_id(url), "url": url, "title": key}
            record["type"] = "paper"
            target = root / shard_path(stable)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render(record, RESOURCE_ORDER))
        recorded.write_config(root, served.base)
        os.environ["RESREG_CACHE_DIR"] = str(Path(scratch) / "cache")
        paths = enrich.resource_paths(root, [])
        settings = settings_for(root, arxiv_interval=args.interval)
        runs = []
        for _ in range(2):  # the first run, then a rerun that must ask nothing
            client = client_for(settings, allow_private=True)
            start, clock = time.perf_counter(), time.monotonic()
            report = enrich.run(root, paths, enrich.Options(), settings, client)
            runs.append((time.perf_counter() - start, report))
            if len(runs) == 1:
                offsets = [f"{request.at - clock:.2f}" for request in served.log]
    recorded.stop(served)
    (wall, first), (rewall, second) = runs
    made = sum(first.requests.values())
    print(
        f"requests {made} (minimum {minimum}), started at {', '.join(offsets)} s; "
        f"wall {wall:.2f} s, ratio {wall / floor:.3f}; "
        f"{len(first.changed)} of {first.files} files, {sum(first.filled.values())} fields; "
        f"rerun: {sum(second.requests.values())} requests, {len(second.changed)} files, "
        f"{rewall:.2f} s"
    )
    return wall / floor


def _pages(folder: Path, evaldata: dict[str, dict[str, object]], subdirs: tuple[str, ...]):
    for url, item in evaldata.items():
        name = item.get("file")
        if not isinstance(name, str):
            continue
        for subdir in subdirs:
            path = folder / subdir / name
            if path.is_file():
                yield url, item, path.read_bytes()
                break


def _describe(url: str, body: bytes, today: dt.date) -> Described:
    from resource_registry.sources.gather import Settings  # noqa: PLC0415 - reason: local

    item = Described(url, frozenset({"title", "authors", "published_date"}))
    page = Answer(url, url, 200, "text/html", None, body, (url,))
    read_page(item, page, page_sources(), Settings(today=today, page="never"))
    return item


def _gold_authors(value: object) -> list[str]:
    """The gold names: a list, or one string that joins several with `;`, `und` or
    `and` (the set writes "A und B" where the page names two authors)."""
    names = value if isinstance(value, list) else re.split(r";| und | and ", str(value))
    return [str(name).strip() for name in names if str(name).strip()]


TODAY = dt.date(2026, 12, 3)


def accuracy(args: argparse.Namespace) -> None:
    if args.trafilatura:
        trafilatura_set(Path(args.trafilatura))
    if args.htmldate:
        htmldate_sets(Path(args.htmldate))


def _right(name: str, value: object, gold: object) -> bool:
    if name == "title":
        return compare.same_title(str(value), str(gold))
    if name == "authors":
        return compare.same_authors([str(v) for v in value], _gold_authors(gold))  # type: ignore[attr-defined]
    return value == gold


def trafilatura_set(folder: Path) -> None:
    evaldata = json.loads((folder / "evaldata.json").read_text())
    scores = {"title": [0, 0, 0], "authors": [0, 0, 0], "published_date": [0, 0, 0]}
    sources: dict[str, dict[str, int]] = {}
    start = time.perf_counter()
    count = 0
    for url, gold, body in _pages(folder, evaldata, ("cache", "eval")):
        if not gold.get("title"):
            continue
        count += 1
        found = _describe(url, body, TODAY)
        for name, key in (
            ("title", "title"),
            ("authors", "author"),
            ("published_date", "date"),
        ):
            if not gold.get(key):
                continue
            scores[name][0] += 1  # pages with a gold value
            value = found.values.get(name)
            if value is None:
                continue
            scores[name][1] += 1  # filled
            scores[name][2] += _right(name, value, gold[key])
            tally = sources.setdefault(name, {})
            tally[found.sources[name]] = tally.get(found.sources[name], 0) + 1
    print(
        f"trafilatura evaluation set: {count} pages with gold metadata, "
        f"{time.perf_counter() - start:.1f} s"
    )
    for name, (total, filled, right) in scores.items():
        print(
            f"  {name:<15} gold {total:4d}  filled {filled / total:.3f}  "
            f"correct {right / total:.3f} of all, {right / max(filled, 1):.3f} of filled"
        )
    print(f"  sources of the values: {json.dumps(sources, sort_keys=True)}")


def htmldate_sets(folder: Path) -> None:
    evaldata = {}
    for name in ("eval_mediacloud_2020.json", "eval_default.json"):
        evaldata.update(json.loads((folder / name).read_text()))
    tp = fp = tn = fn = 0
    start = time.perf_counter()
    for url, gold, body in _pages(folder, evaldata, ("test_set", "cache", "eval")):
        expected = gold.get("date")
        expected = expected if isinstance(expected, str) else None
        value = _describe(url, body, TODAY).values.get("published_date")
        if value is None:
            tn += expected is None
            fn += expected is not None
        elif value == expected:
            tp += 1
        else:
            fp += 1
    total = tp + fp + tn + fn
    print(f"htmldate evaluation sets: {total} pages, {time.perf_counter() - start:.1f} s")
    print(
        f"  dates: accuracy {(tp + tn) / total:.3f} "
        "(htmldate's measure: the right date, or rightly none), "
        f"precision {tp / max(tp + fp, 1):.3f}, recall {tp / max(tp + fn, 1):.3f}, "
        f"F1 {2 * tp / max(2 * tp + fp + fn, 1):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    polite = commands.add_parser("politeness")
    polite.add_argument("--corpus", default=str(PROJECT.parent / "shared/corpus/legacy-wiki"))
    polite.add_argument("--latency", type=float, default=0.5, help="seconds per API answer")
    polite.add_argument("--interval", type=float, default=ARXIV_INTERVAL)
    polite.add_argument("--repeat", type=int, default=3)
    accurate = commands.add_parser("accuracy")
    accurate.add_argument("--trafilatura", help="trafilatura's tests/ folder")
    accurate.add_argument("--htmldate", help="htmldate's tests/ folder")
    args = parser.parse_args()
    asyncio.set_event_loop_policy(None)
    politeness(args) if args.command == "politeness" else accuracy(args)


if __name__ == "__main__":
    main()
