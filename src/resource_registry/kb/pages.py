"""The knowledge base's pages: which files they are, their ids, and their text.

Pages are untrusted. Links are never followed: a page or folder that is a symbolic link
is reported and not read (it may lead anywhere on the machine), and so is a page larger
than the configured limit or one that is not UTF-8. A page that cannot be read keeps the
`cited_by` edges it had: nothing is known about what it cites.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from resource_registry.base.config import KnowledgeBase
from resource_registry.kb.mentions import Flaw
from resource_registry.record import layout


@dataclass(slots=True)
class Page:
    """One page: its path relative to the pages folder, its id, whether it was read (the
    ``flaws`` say why not) and its text, while it is needed."""

    relative: str
    page_id: str
    text: str | None = None
    flaws: list[Flaw] = field(default_factory=list)
    readable: bool = False
    linked: bool = False  # a symbolic link: never read
    digest: bytes = b""  # of the bytes read, so that a rewrite can tell they are unchanged

    @property
    def mdx(self) -> bool:
        return self.relative.lower().endswith(".mdx")


@dataclass(slots=True)
class Discovery:
    """The pages found, and links met on the way (folders that are symbolic links), each
    as a path relative to the pages folder with its flaw."""

    pages: list[Page] = field(default_factory=list)
    strays: list[tuple[str, Flaw]] = field(default_factory=list)


def page_id(relative: str, folder_name: str, rule: str) -> str:
    """A page's id from its path (see ``[knowledge_base] page_id``)."""
    parts = relative.split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    if stem == "index":
        parts = parts[:-1]
        stem = parts[-1] if parts else folder_name
    else:
        parts[-1] = stem
    if rule == "path":
        return "-".join(parts) if parts else folder_name
    return stem


def discover(folder: Path, settings: KnowledgeBase) -> Discovery:
    """Every page under ``folder`` whose relative path matches one of the patterns, not
    read yet (see :func:`read`). Hidden files and folders (``.git``) are skipped."""
    found = Discovery()
    pending = [("", folder)]
    while pending:
        prefix, directory = pending.pop()
        try:
            with os.scandir(directory) as entries:
                listed = sorted(entries, key=lambda entry: entry.name)
        except OSError as error:
            flaw = Flaw("K009", 0, 0, f"cannot read the folder: {error.strerror}")
            found.strays.append((prefix.rstrip("/") or ".", flaw))
            continue
        for entry in listed:
            if entry.name.startswith("."):
                continue
            relative = prefix + entry.name
            if entry.is_symlink():
                _linked(found, relative, settings)
            elif entry.is_dir(follow_symlinks=False):
                pending.append((relative + "/", Path(entry.path)))
            elif entry.is_file(follow_symlinks=False) and _wanted(relative, settings):
                found.pages.append(Page(relative, page_id(relative, folder.name, settings.page_id)))
    found.pages.sort(key=lambda page: page.relative)
    return found


def _wanted(relative: str, settings: KnowledgeBase) -> bool:
    return any(fnmatch.fnmatchcase(relative, pattern) for pattern in settings.patterns)


def _linked(found: Discovery, relative: str, settings: KnowledgeBase) -> None:
    flaw = Flaw(
        "K009",
        0,
        0,
        "a symbolic link in the pages folder; it is not read, as it may lead anywhere",
        "replace the link with the file itself",
    )
    if _wanted(relative, settings):
        page = Page(relative, page_id(relative, "", settings.page_id), None, [flaw], linked=True)
        found.pages.append(page)
    else:
        found.strays.append((relative, flaw))


def read(folder: Path, page: Page, settings: KnowledgeBase) -> None:
    """Read the page's text (``readable``), or say in its flaws why it cannot be read."""
    if page.linked:
        return
    path = folder / page.relative
    try:
        # O_NOFOLLOW: a file swapped for a link after the listing is refused, not read
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as error:
        page.flaws.append(Flaw("K009", 0, 0, f"cannot read the page: {error.strerror}"))
        return
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_size > settings.max_page_bytes:
            page.flaws.append(_too_large(status.st_size, settings.max_page_bytes))
            return
        data = _read_all(descriptor, settings.max_page_bytes + 1)
    finally:
        os.close(descriptor)
    if len(data) > settings.max_page_bytes:
        page.flaws.append(_too_large(len(data), settings.max_page_bytes))
        return
    page.digest = hashlib.sha256(data).digest()
    try:
        page.text = data.decode("utf-8")
        page.readable = True
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        page.flaws.append(
            Flaw(
                "K007",
                line,
                column,
                f"the page is not valid UTF-8 (byte 0x{data[error.start]:02x}), so it is not read",
                "save it as UTF-8",
            )
        )


def reread(folder: Path, page: Page, settings: KnowledgeBase) -> str | None:
    """The page's text again, if its bytes are still those it was scanned from and no
    folder on its way has become a link."""
    if layout.linked_part(folder, page.relative):
        return None
    again = Page(page.relative, page.page_id)
    read(folder, again, settings)
    return again.text if again.readable and again.digest == page.digest else None


def _read_all(descriptor: int, limit: int) -> bytes:
    """Up to ``limit`` bytes; plain ``os.read``, a third of the time of a file object."""
    chunks = []
    while limit > 0 and (chunk := os.read(descriptor, min(limit, 1 << 20))):
        chunks.append(chunk)
        limit -= len(chunk)
    return b"".join(chunks)


def _too_large(size: int, limit: int) -> Flaw:
    return Flaw(
        "K008",
        0,
        0,
        f"the page has {size:,} bytes, more than the limit of {limit:,}, so it is not read",
        "split the page, or raise `max_page_bytes` under [knowledge_base] in resreg.toml",
    )
