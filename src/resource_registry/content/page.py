"""One answer read: its main text summarised as the fields of a `fetch` block, and the
wall it shows by itself. Every string it returns passes the registry's text rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from resource_registry.content import extract, fingerprint, text, walls
from resource_registry.record.constraints import PAGE_TITLE_CHARACTERS, PREVIEW_CHARACTERS

# bytes of UTF-8 at most, so that a resource with its snapshot stays small in any script
PREVIEW_BYTES: Final = 600
PAGE_TITLE_BYTES: Final = 300
CONTENT_FIELDS: Final = ("page_title", "language", "words", "fingerprint", "preview")


@dataclass(frozen=True, slots=True)
class Reading:
    page_title: str | None = None
    language: str | None = None
    words: int | None = None
    fingerprint: str | None = None
    preview: str | None = None
    wall: str | None = None  # a verdict of walls.WALL_VERDICTS, from the answer alone

    def fields(self) -> dict[str, object]:
        """The content fields known, in the order of the `fetch` block."""
        return {
            name: value for name in CONTENT_FIELDS if (value := getattr(self, name)) is not None
        }


def read(
    body: bytes, content_type: str | None, *, status: int, url: str, final_url: str | None
) -> Reading | None:
    """What an answer's body says; None when it is not a document that has text."""
    extracted = extract.extract(body, content_type)
    if extracted is None:
        return None
    raw_title = extract.html_title(body) if extract.kind_of(body, content_type) == "html" else None
    wall = walls.signature(
        body,
        status=status,
        title=raw_title or extracted.title,
        text=extracted.text,
        url=url,
        final_url=final_url,
    )
    title = extracted.title
    return Reading(
        page_title=text.one_line(title, PAGE_TITLE_CHARACTERS, PAGE_TITLE_BYTES) if title else None,
        language=extracted.language,
        words=text.word_count(extracted.text),
        fingerprint=fingerprint.simhash(extracted.text),
        preview=text.one_line(extracted.text, PREVIEW_CHARACTERS, PREVIEW_BYTES),
        wall=wall,
    )


def status_verdict(status: int, moved: bool) -> str:
    """The verdict of an answer by its status alone (``moved``: it came by redirects):
    what the link checker records, and `new`'s fetch block."""
    if 200 <= status < 300:
        return "redirected" if moved else "ok"
    if status in (404, 410):
        return "dead"
    if status in (401, 402):
        return "paywalled"
    if status in (403, 429, 451):
        return "blocked"
    return "error"
