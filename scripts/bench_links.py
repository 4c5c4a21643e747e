#!/usr/bin/env python3
"""Link-checker benchmark: N resource URLs against a local server that answers at once.

Starts an asyncio HTTP/1.1 server on 127.0.0.1 (keep-alive, 200 with a small body), builds
a registry of N resources pointing at it (spread over 50 loopback addresses,
127.0.0.1 to 127.0.0.50, so that the per-host limit applies as on the real web), and times
`resreg check-links` at its default concurrency. Runs two sizes to show that memory does
not grow with the number of URLs.

    .venv/bin/python scripts/bench_links.py [--urls 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import timed  # the same timing and memory sampling as the validator benchmark
from resource_registry.check.identity import shard_path
from resource_registry.record.urls import resource_id
from resource_registry.record.writer import RESOURCE_ORDER, render

BIN = Path(sys.executable).parent
PROJECT = Path(__file__).resolve().parent.parent
HOSTS = 50  # 127.0.0.1 to 127.0.0.50: all loopback, and 50 hosts for the per-host limit
BODY = b"<html><body>ok</body></html>"


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            request = await reader.readuntil(b"\r\n\r\n")
            head = request.startswith(b"HEAD")
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
                + str(len(BODY)).encode()
                + b"\r\n\r\n"
                + (b"" if head else BODY)
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _serve(ports: list[int], ready: threading.Event) -> None:
    async def main() -> None:
        servers = [
            await asyncio.start_server(_handle, f"127.0.0.{host}", 0)
            for host in range(1, HOSTS + 1)
        ]
        ports.extend(server.sockets[0].getsockname()[1] for server in servers)
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def _registry(root: Path, count: int, ports: list[int]) -> None:
    shutil.copytree(PROJECT / "data", root / "data", ignore=shutil.ignore_patterns("resources"))
    for index in range(count):
        stable_id = f"sid_Link{index:06d}"
        host = index % len(ports)
        url = f"http://127.0.0.{host + 1}:{ports[host]}/page/{index}"
        record = {
            "stable_id": stable_id,
            "id": resource_id(url),
            "url": url,
            "title": f"Page {index}",
            "type": "web",
        }
        path = root / shard_path(stable_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(record, RESOURCE_ORDER))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=10_000)
    args = parser.parse_args()
    ports: list[int] = []
    ready = threading.Event()
    threading.Thread(target=_serve, args=(ports, ready), daemon=True).start()
    ready.wait()
    print("| URLs | `resreg check-links` | URLs per second | peak memory (PSS) |")
    print("|---|---|---|---|")
    for count in (args.urls // 5, args.urls):
        workdir = Path(tempfile.mkdtemp(prefix="resreg-links-"))
        try:
            _registry(workdir / "registry", count, ports)
            started = time.perf_counter()
            run = timed([str(BIN / "resreg"), "check-links", "--root", str(workdir / "registry")])
            seconds = time.perf_counter() - started
            if run.returncode != 0:
                sys.exit("check-links failed")
            check = subprocess.run(
                [str(BIN / "resreg"), "validate", "--root", str(workdir / "registry")],
                capture_output=True,
                text=True,
                check=False,
            )
            assert check.returncode == 0, check.stdout
            print(
                f"| {count:,} | {seconds:.2f} s | {count / seconds:,.0f} | {run.peak_mb:.0f} MB |",
                flush=True,
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
