"""Headless Chromium through ChromeDriver, and a static server on loopback to point it at:
for the site's browser tests and benchmark.

Debian's `chromium` and `chromium-driver` (or Chrome on GitHub's runners). The flags stop
the browser's own background traffic, so that every request seen is the page's.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

BROWSERS = ("chromium", "chromium-browser", "google-chrome")  # Debian, Ubuntu, GitHub runners
PHONE = (412, 915)
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    f"--window-size={PHONE[0]},{PHONE[1]}",
)


def binaries() -> tuple[str, str] | None:
    """The browser and its driver, or None when either is missing."""
    browser = next(filter(None, map(shutil.which, BROWSERS)), None)
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def start(*extra_flags: str, logs: bool = False) -> webdriver.Chrome:
    """A new headless browser (the caller quits it); ``logs`` keeps the console and
    network logs for ``get_log("browser")`` and ``get_log("performance")``."""
    found = binaries()
    if found is None:
        raise RuntimeError("Chromium and ChromeDriver are not installed")
    browser, driver = found
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (*FLAGS, *extra_flags):
        options.add_argument(flag)
    if logs:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) while in the block; yields its origin."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass
