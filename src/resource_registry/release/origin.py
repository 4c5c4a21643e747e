"""The mark of origin on what `--out` may replace.

`export --out` and `site --out` replace their folder whole, so they must never take a
folder that another program made, even one that happens to hold a `manifest.json` or a
`site.json`. Each output carries :data:`MARK`, a small JSON file that names this tool, the
kind of output and its identity (dataset version and source commit), the same identity
as the output's own `manifest.json` or `site.json`. A folder is replaced only when its
mark says so and agrees with that file: no other program writes such a pair by chance.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

MARK: Final = "resreg-output.json"
MADE_BY: Final = "resource-registry: written by resreg, replaced whole by its next build"
IDENTITY: Final = ("dataset_version", "source_commit")
KINDS: Final = {"dataset": "manifest.json", "site": "site.json"}  # kind -> its own record
_LARGEST: Final = 64 * 1024  # of a mark or of the file it agrees with, read to decide


def mark_text(kind: str, identity: Mapping[str, object]) -> str:
    """The mark of an output of ``kind`` whose own record holds ``identity``."""
    mark = {"made_by": MADE_BY, "kind": kind} | {key: identity.get(key, "") for key in IDENTITY}
    return json.dumps(mark, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def is_ours(folder: Path, kind: str) -> bool:
    """Whether ``folder`` holds a mark of ``kind`` that agrees with its own record."""
    mark = _read_json(folder / MARK)
    record = _read_json(folder / KINDS[kind])
    if not isinstance(mark, dict) or not isinstance(record, dict):
        return False
    if mark.get("made_by") != MADE_BY or mark.get("kind") != kind:
        return False
    return all(mark.get(key) == record.get(key, "") for key in IDENTITY)


def _read_json(path: Path) -> Any:
    """The JSON in a small regular file (never through a link), or None."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _LARGEST:
            return None
        data = os.read(descriptor, _LARGEST + 1)
    finally:
        os.close(descriptor)
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
