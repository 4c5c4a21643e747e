"""The metadata sources' HTTP cache: answers on disk, outside the work tree, one file per
request key, so that a rerun asks nothing twice."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from resource_registry.base.fsutil import atomic_write

CACHE_ENV: Final = "RESREG_CACHE_DIR"
CACHE_MAX_AGE: Final = 30 * 24 * 3600.0


def default_cache_dir() -> Path:
    """Where the HTTP cache lives: ``$RESREG_CACHE_DIR``, else the user's cache folder;
    never in the registry (no state in the work tree is trusted)."""
    if configured := os.environ.get(CACHE_ENV):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "resource-registry" / "http"


class Cache:
    """Answers on disk, one file per request key: a JSON header line, then the body.
    A file that does not read back is a miss; entries older than ``max_age`` too."""

    def __init__(self, folder: Path, *, max_age: float = CACHE_MAX_AGE) -> None:
        self.folder = folder
        self.max_age = max_age

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.cache"

    def get(self, key: str) -> tuple[dict[str, Any], bytes] | None:
        path = self._path(key)
        try:
            if time.time() - path.stat().st_mtime > self.max_age:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        header, _, body = data.partition(b"\n")
        try:
            meta = json.loads(header)
        except (ValueError, UnicodeDecodeError):
            return None
        return (meta, body) if isinstance(meta, dict) else None

    def put(self, key: str, meta: Mapping[str, Any], body: bytes) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps(dict(meta)).encode() + b"\n" + body, durable=False)
        except OSError:
            return  # a cache that cannot be written only costs a request next time


def request_key(method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> str:
    digest = hashlib.sha256()
    for part in (method, url, headers.get("Accept", ""), body or b""):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()
