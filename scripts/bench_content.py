#!/usr/bin/env python3
"""Content benchmark: what the snapshot costs the registry, what extraction costs the
link check, and how well soft 404s and walls are told apart.

  (a) bytes added per resource by the snapshot (page_title, language, words,
      fingerprint, preview), and at N resources (default 100,000) before and after:
      the files' size, the size of the git repository (packed), `git clone` time, and
      `resreg validate --no-cache` time. "Before" files carry today's fetch block
      (status, checked_at, bytes, content_type, content_sha256, verdict);
  (b) extraction throughput (`content.page.read`, one process) against the raw fetch
      throughput of `check-links` on a local server (the same run with the reading of
      bodies switched off), and against a polite crawl's request rate;
  (c) the soft-404 and wall detection on the labelled pages in
      tests/fixtures/content/ (hits, misses and false alarms per verdict).

    .venv/bin/python scripts/bench_content.py [--files 100000] [--pages 400]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import WORDS, commit_all, generate, timed
from resource_registry.check.identity import shard_path
from resource_registry.content import page, walls
from resource_registry.linkcheck import checker as links
from resource_registry.linkcheck.settings import Settings
from resource_registry.record.urls import resource_id
from resource_registry.record.writer import RESOURCE_ORDER, render

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PAGES = PROJECT / "tests" / "fixtures" / "content"
HOSTS = 20
# a polite crawl: 16 requests in flight over all hosts, at a typical 0.4 s per answer
POLITE_RATE = 16 / 0.4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument(
        "--real-pages",
        type=Path,
        help="a folder of real content pages (*.html, not committed): every verdict but "
        "ok on them is a false alarm",
    )
    args = parser.parse_args()
    detection()
    if args.real_pages:
        false_alarms(args.real_pages)
    throughput(args.pages)
    registry_cost(args.files)


# --- (a) ----------------------------------------------------------------------------------


def _old_block(rng: random.Random) -> dict[str, object]:
    return {
        "status": 200,
        "checked_at": "2026-04-07T00:00:00Z",
        "bytes": rng.randint(8_000, 400_000),
        "content_type": "text/html",
        "content_sha256": hashlib.sha256(str(rng.random()).encode()).hexdigest(),
        "verdict": "ok",
    }


def _snapshot(rng: random.Random) -> dict[str, object]:
    """The content fields as check-links writes them for a typical page."""
    sentences = " ".join(
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."
        for _ in range(8)
    )
    preview = page.text.one_line(sentences, page.PREVIEW_CHARACTERS, page.PREVIEW_BYTES)
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))).capitalize()
    return {
        "page_title": title,
        "language": "en",
        "words": rng.randint(300, 9000),
        "fingerprint": f"{rng.getrandbits(64):016x}",
        "preview": preview,
    }


def _with_fetch(files: list[Path], *, snapshot: bool) -> None:
    rng = random.Random(7)
    for path in files:
        block = _old_block(rng)
        if snapshot:
            block.update(_snapshot(rng))
        text = render({"fetch": block}, RESOURCE_ORDER)
        with path.open("a") as file:
            file.write(text)


def _tree_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*.yaml"))


def _git_bytes(root: Path) -> int:
    subprocess.run(["git", "-C", str(root), "gc", "-q"], check=True)
    return sum(p.stat().st_size for p in (root / ".git").rglob("*") if p.is_file())


def _clone_seconds(root: Path, work: Path) -> float:
    runs = []
    for attempt in range(3):
        target = work / f"clone-{root.name}-{attempt}"
        started = time.perf_counter()
        subprocess.run(
            ["git", "clone", "-q", "--no-local", str(root), str(target)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        runs.append(time.perf_counter() - started)
        shutil.rmtree(target)
    return statistics.median(runs)


def registry_cost(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-content-") as temporary:
        work = Path(temporary)
        figures = {}
        for name, snapshot in (("before", False), ("after", True)):
            root = work / name
            files = generate(root, count)
            _with_fetch(files, snapshot=snapshot)
            commit_all(root, name)
            validate = timed([str(BIN / "resreg"), "validate", "--no-cache", "--root", str(root)])
            assert validate.returncode == 0, f"{name}: validation failed"
            figures[name] = {
                "files": len(files),
                "bytes": _tree_bytes(root / "data"),
                "git": _git_bytes(root),
                "clone": _clone_seconds(root, work),
                "validate": validate.seconds,
                "largest": max(path.stat().st_size for path in files),
            }
            shutil.rmtree(root)
    before, after = figures["before"], figures["after"]
    n = before["files"]
    print(f"\n(a) registry of {n:,} resources, before -> after (ratio)")
    print(f"  bytes added per resource: {(after['bytes'] - before['bytes']) / n:.0f}")
    print(f"  largest file after: {after['largest']:,} bytes")
    for key, unit in (("bytes", "MB"), ("git", "MB"), ("clone", "s"), ("validate", "s")):
        b, a = before[key], after[key]
        shown = (b / 1e6, a / 1e6) if unit == "MB" else (b, a)
        print(f"  {key}: {shown[0]:.2f} {unit} -> {shown[1]:.2f} {unit} ({a / b:.2f})")


# --- (b) ----------------------------------------------------------------------------------


def _body(index: int) -> bytes:
    """A news-like page: its article (about 900 words) inside 40 KB of navigation, ads,
    scripts and footer."""
    rng = random.Random(index)
    article = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(90)) + ".</p>" for _ in range(10)
    )
    chrome = "".join(
        f"<li><a href='/s/{i}'>Section {i} {rng.choice(WORDS)}</a></li>" for i in range(300)
    )
    script = "<script>var config = {" + ",".join(f"k{i}: {i}" for i in range(1500)) + "};</script>"
    return (
        f"<!doctype html><html lang='en'><head><title>Story {index}</title>{script}</head>"
        f"<body><nav><ul>{chrome}</ul></nav><main><article><h1>Story {index}</h1>{article}"
        f"</article></main><aside>{chrome}</aside><footer>© Example</footer></body></html>"
    ).encode()


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            request = await reader.readuntil(b"\r\n\r\n")
            path = request.split(b" ", 2)[1].decode()
            last = path.rsplit("/", 1)[1]
            # a story, or a real 404 (for the probe's random path)
            body = _BODIES[int(last) % len(_BODIES)] if last.isdigit() else b"not found"
            status = b"200 OK" if last.isdigit() else b"404 Not Found"
            writer.write(
                b"HTTP/1.1 "
                + status
                + b"\r\nContent-Type: text/html; charset=utf-8\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


_BODIES = [_body(index) for index in range(50)]


def _serve(ports: Any) -> None:
    """The server, in a process of its own: it must not share the checker's interpreter."""

    async def run() -> None:
        servers = [
            await asyncio.start_server(_handle, f"127.0.0.{host}", 0)
            for host in range(1, HOSTS + 1)
        ]
        ports.put([server.sockets[0].getsockname()[1] for server in servers])
        await asyncio.Event().wait()

    asyncio.run(run())


def _check_run(root: Path, urls: list[str], *, read: bool) -> float:
    targets = {}
    for index, url in enumerate(urls):
        stable_id = f"sid_Bench{index:05d}"
        path = root / shard_path(stable_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "stable_id": stable_id,
            "id": resource_id(url),
            "url": url,
            "title": "T",
            "type": "web",
        }
        path.write_text(render(record, RESOURCE_ORDER))
        targets[url] = [shard_path(stable_id)]
    settings = Settings(allow_private_addresses=True, archives=None, probe=read)
    real = page.read
    if not read:
        page.read = lambda *args, **kwargs: None  # type: ignore[assignment]  # reason: the raw fetch, for comparison
    try:
        started = time.perf_counter()
        report = asyncio.run(links.check_links(root, targets, settings))
        seconds = time.perf_counter() - started
    finally:
        page.read = real  # type: ignore[method-assign]  # reason: restored
    assert report.counts["ok"] == len(urls), report.counts
    return seconds


def throughput(count: int) -> None:
    queue: Any = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    ports: list[int] = queue.get()
    urls = [
        f"http://127.0.0.{index % HOSTS + 1}:{ports[index % HOSTS]}/story/{index}"
        for index in range(count)
    ]
    started = time.perf_counter()
    for body in _BODIES * 4:
        page.read(body, "text/html", status=200, url="https://example.org/s", final_url=None)
    extraction = len(_BODIES) * 4 / (time.perf_counter() - started)
    with tempfile.TemporaryDirectory(prefix="bench-content-") as temporary:
        raw = _check_run(Path(temporary) / "raw", urls, read=False)
        full = _check_run(Path(temporary) / "full", urls, read=True)
    server.terminate()
    size = statistics.mean(len(body) for body in _BODIES)
    print(f"\n(b) {count:,} pages of {size / 1024:.0f} KB on {HOSTS} local hosts")
    print(f"  extraction alone (page.read, one process): {extraction:.0f} pages/s")
    print(f"  check-links, bodies not read: {count / raw:.0f} pages/s")
    print(f"  check-links, bodies read (extraction, walls, probe): {count / full:.0f} pages/s")
    print(f"  full / raw time: {full / raw:.2f}")
    polite = extraction / POLITE_RATE
    print(f"  extraction rate / polite crawl rate ({POLITE_RATE:.0f} requests/s): {polite:.1f}")


# --- (c) ----------------------------------------------------------------------------------


def _verdict(name: str, entry: dict[str, object]) -> str:
    body = (PAGES / name).read_bytes()
    status, url = int(str(entry["status"])), str(entry["url"])
    final = entry.get("final_url")
    final_url = str(final) if final else None
    reading = page.read(body, "text/html", status=status, url=url, final_url=final_url)
    if reading is None:
        return "ok"
    if reading.wall is not None:
        return reading.wall
    probe = entry.get("probe")
    if isinstance(probe, dict):
        shown = (PAGES / probe["page"]).read_bytes() if probe["page"] else b"<html>Not found</html>"
        probed = page.read(
            shown, "text/html", status=probe["status"], url=url, final_url=probe["final_url"]
        )
        found = walls.Probe(
            probe["status"], probe["final_url"], probed.fingerprint if probed else None
        )
        if walls.like_the_probe(
            found, url=url, final_url=final_url or url, fingerprint=reading.fingerprint
        ):
            return "soft-404"
    return "ok"


def detection() -> None:
    labels = json.loads((PAGES / "labels.json").read_text())["pages"]
    table: Counter[tuple[str, str]] = Counter()
    for name, entry in sorted(labels.items()):
        table[(entry["label"], _verdict(name, entry))] += 1
    print(f"(c) detection on {len(labels)} labelled pages (label -> verdict)")
    for kind in ("soft-404", "login-wall", "bot-wall", "ok"):
        pages = sum(n for (label, _), n in table.items() if label == kind)
        hits = table[(kind, kind)]
        false_alarms = sum(n for (label, got), n in table.items() if got == kind and label != kind)
        missed = pages - hits
        print(
            f"  {kind}: {pages} pages, {hits} found, {missed} missed, {false_alarms} false alarms"
        )
    wrong = {pair: n for pair, n in table.items() if pair[0] != pair[1]}
    print(f"  confusions: {wrong or 'none'}")


def false_alarms(folder: Path) -> None:
    """Real articles, each read as a 200 answer at a deep path of a host whose random
    paths answer 404: any wall or soft 404 is a false alarm."""
    found: Counter[str] = Counter()
    alarms = []
    words = []
    for path in sorted(folder.glob("*.html")):
        url = f"https://{path.stem}.example/articles/page"
        reading = page.read(path.read_bytes(), "text/html", status=200, url=url, final_url=None)
        verdict = (reading.wall if reading else None) or "ok"
        found[verdict] += 1
        if reading is not None and reading.words is not None:
            words.append(reading.words)
        if verdict != "ok":
            alarms.append((path.name, verdict))
    total = sum(found.values())
    print(f"\n(c) real content pages: {total}, verdicts {dict(found)}")
    print(f"  false alarms: {len(alarms)} ({len(alarms) / total:.1%}) {alarms}")
    if words:
        print(f"  words per page: median {statistics.median(words):.0f}")


if __name__ == "__main__":
    main()
