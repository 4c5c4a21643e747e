#!/usr/bin/env python3
"""Site benchmark: `resreg site` on a 100,000-resource dataset against the parse floor
measured in the same run, the size of resource pages, and the first search in headless
Chromium (a fresh browser, nothing cached) on that site.

    .venv/bin/python scripts/bench_site.py [--files 100000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

import chromium
from bench import BIN, generate, parse_floor, timed

QUERIES = ("alignment", "safety research", "forec")  # a word, two words, a prefix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="resreg-bench-site-"))
    resreg = str(BIN / "resreg")
    try:
        root = workdir / "registry"
        files = generate(root, args.files)
        floor = parse_floor(root / "data" / "resources")
        print(f"parse floor {floor.seconds:.2f} s", flush=True)
        exported = timed([resreg, "export", "--root", str(root), "--out", str(workdir / "data")])
        site = workdir / "site"
        built = timed([resreg, "site", "--from", str(workdir / "data"), "--out", str(site)])
        print(f"site {built.seconds:.2f} s (exit {built.returncode})", flush=True)
        sizes = [path.stat().st_size for path in (site / "r").glob("*.html")]
        files_written = sum(1 for path in site.rglob("*") if path.is_file())
        searches = first_searches(site)
        rows = [
            ("resources", f"{len(files):,}"),
            ("parse floor (as in `scripts/bench.py`)", f"{floor.seconds:.2f} s"),
            ("`resreg export` (for reference)", f"{exported.seconds:.2f} s"),
            (
                "`resreg site --from DATASET`",
                f"{built.seconds:.2f} s, {files_written:,} files (exit {built.returncode})",
            ),
            ("site / parse floor", f"**{built.seconds / floor.seconds:.2f}** (target ≤ 3)"),
            ("peak memory, site build (PSS)", f"{built.peak_mb:.0f} MB"),
            (
                "resource page size: median / largest",
                f"{statistics.median(sizes) / 1024:.1f} KB / **{max(sizes) / 1024:.1f} KB** "
                "(target < 30 KB)",
            ),
            *(
                (
                    f"first search in a fresh browser, `{query}`: in page / wall",
                    f"**{ms:.0f} ms** / {wall:.0f} ms (target ≤ 300 ms), {status}",
                )
                for query, ms, wall, status in searches
            ),
        ]
        print("| measure | value |\n|---|---|")
        for name, value in rows:
            print(f"| {name} | {value} |")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def first_searches(site: Path) -> list[tuple[str, float, float, str]]:
    """For each query, in a new browser: the time from the keystroke to the results on
    screen, as the page measures it (performance.now()) and as seen from outside."""
    results = []
    with chromium.serving(site) as origin:
        for query in QUERIES:
            driver = chromium.start()
            try:
                driver.get(f"{origin}index.html")
                box = driver.find_element(By.ID, "q")
                status = driver.find_element(By.ID, "search-status")
                started = time.perf_counter()
                driver.execute_script(
                    "arguments[0].value = arguments[1];"
                    "arguments[0].dispatchEvent(new Event('input'));",
                    box,
                    query,
                )
                WebDriverWait(driver, 30, poll_frequency=0.005).until(
                    lambda _, shown=status: shown.get_attribute("data-ms")
                )
                wall = (time.perf_counter() - started) * 1000
                results.append((query, float(status.get_attribute("data-ms")), wall, status.text))
            finally:
                driver.quit()
    return results


if __name__ == "__main__":
    main()
