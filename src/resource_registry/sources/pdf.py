"""Title, authors and date of a PDF, from its document information and its XMP
metadata (pypdf). Titles that are only a file name (``Microsoft Word - draft.docx``)
are not titles."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import warnings
from collections.abc import Sequence
from typing import Any, Final

from resource_registry.sources.base import Claims
from resource_registry.sources.http import Answer

_FILE_NAME: Final = re.compile(
    r"(?:^microsoft (?:word|powerpoint) - |\.(?:docx?|pdf|tex|dvi|pptx?|odt|rtf)$|^untitled)", re.I
)
_AUTHOR_SPLIT: Final = re.compile(r"\s*(?:;|\band\b|&)\s*")


def is_pdf(page: Answer) -> bool:
    return page.content_type == "application/pdf" or page.body[:5] == b"%PDF-"


class PdfMetadata:
    name = "pdf"

    def read(self, page: Answer) -> Sequence[Claims]:
        if not is_pdf(page):
            return []
        return [read_pdf(page.body)]


def read_pdf(data: bytes) -> Claims:
    from pypdf import PdfReader  # noqa: PLC0415 - reason: only PDFs need it

    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)  # pypdf logs every repair of a broken file
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            values: dict[str, object] = {}
            _from_xmp(reader, values)
            _from_info(reader, values)
    finally:
        logger.setLevel(level)
    return Claims("pdf", values)


def _from_info(reader: Any, values: dict[str, object]) -> None:
    info = reader.metadata
    if info is None:
        return
    title = info.title
    if isinstance(title, str) and title.strip() and not _FILE_NAME.search(title.strip()):
        values.setdefault("title", title)
    author = info.author
    if isinstance(author, str) and author.strip():
        values.setdefault("authors", [name for name in _AUTHOR_SPLIT.split(author) if name])
    created = info.creation_date
    if isinstance(created, dt.datetime):
        values.setdefault("published_date", created.date().isoformat())


def _from_xmp(reader: Any, values: dict[str, object]) -> None:
    xmp = reader.xmp_metadata
    if xmp is None:
        return
    titles = xmp.dc_title
    if isinstance(titles, dict) and titles:
        title = titles.get("x-default") or next(iter(titles.values()))
        if isinstance(title, str) and title.strip() and not _FILE_NAME.search(title.strip()):
            values["title"] = title
    creators = xmp.dc_creator
    if isinstance(creators, list) and creators:
        values["authors"] = [name for name in creators if isinstance(name, str)]
    dates = xmp.dc_date
    if isinstance(dates, list) and dates and isinstance(dates[0], dt.datetime):
        values["published_date"] = dates[0].date().isoformat()
    elif isinstance(created := xmp.xmp_create_date, dt.datetime):
        values["published_date"] = created.date().isoformat()
