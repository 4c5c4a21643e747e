"""The main text of a page: trafilatura for HTML, pypdf for PDF. Bounded work on hostile
input: HTML past :data:`MAX_HTML_BYTES` and PDF pages past :data:`MAX_PDF_PAGES` are not
read, and a document either parser gives up on has no text (never an error)."""

from __future__ import annotations

import html
import io
import logging
import re
from dataclasses import dataclass
from typing import Final

MAX_HTML_BYTES: Final = 2 * 1024 * 1024
MAX_PDF_PAGES: Final = 30
MAX_TEXT: Final = 400_000  # characters kept of a main text: enough for any fingerprint
HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})
PDF_TYPES: Final = frozenset({"application/pdf", "application/x-pdf"})
_HEAD: Final = 16 * 1024
_LANG: Final = re.compile(
    rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)(?=[\"'\s/>])"
)
_TITLE: Final = re.compile(rb"<title\b[^>]*>(.{0,2000}?)</title", re.IGNORECASE | re.DOTALL)
_META: Final = re.compile(rb"<meta\b[^>]{0,2000}>", re.IGNORECASE)
_ATTRIBUTE: Final = re.compile(
    rb"""\b(name|property|content)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE
)
# the page's own word for its title, most specific first
_TITLE_META: Final = (b"citation_title", b"dc.title", b"og:title", b"twitter:title")
_LANGUAGE_TAG: Final = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*\Z")


@dataclass(frozen=True, slots=True)
class Extracted:
    """A document's main text and what it says about itself (raw, not yet cleaned)."""

    text: str
    title: str | None
    language: str | None


def kind_of(body: bytes, content_type: str | None) -> str | None:
    """``"html"``, ``"pdf"`` or None (nothing to extract), from the media type, or from the
    first bytes when the server named none."""
    if content_type in HTML_TYPES:
        return "html"
    if content_type in PDF_TYPES:
        return "pdf"
    if content_type is None or content_type in ("application/octet-stream", "text/plain"):
        if body.startswith(b"%PDF-"):
            return "pdf"
        if b"<html" in body[:1024].lower():
            return "html"
    return None


def extract(body: bytes, content_type: str | None) -> Extracted | None:
    kind = kind_of(body, content_type)
    if kind == "html":
        return extract_html(body)
    if kind == "pdf":
        return extract_pdf(body)
    return None


def page_title(body: bytes) -> str | None:
    """The title the page gives itself: a citation, Dublin Core or OpenGraph title,
    else its ``<title>``."""
    found: dict[bytes, str] = {}
    for tag in _META.finditer(body[: _HEAD * 4]):
        attributes = {
            match.group(1).lower(): match.group(2) or match.group(3) or match.group(4) or b""
            for match in _ATTRIBUTE.finditer(tag.group())
        }
        key = (attributes.get(b"name") or attributes.get(b"property") or b"").lower()
        content = attributes.get(b"content")
        if key in _TITLE_META and content and key not in found:
            found[key] = html.unescape(content.decode("utf-8", "replace")).strip()
    for key in _TITLE_META:
        if found.get(key):
            return found[key]
    return html_title(body)


def html_title(body: bytes) -> str | None:
    """The page's ``<title>``, entities decoded."""
    found = _TITLE.search(body[: _HEAD * 4])
    if found is None:
        return None
    return html.unescape(found.group(1).decode("utf-8", "replace")).strip() or None


def html_language(body: bytes) -> str | None:
    found = _LANG.search(body[:_HEAD])
    return language_tag(found.group(1).decode("ascii")) if found else None


def language_tag(value: str) -> str | None:
    """A BCP 47 tag as written in the registry: `_` read as `-`, the language subtag lower."""
    primary, _, rest = value.strip().replace("_", "-").partition("-")
    tag = primary.lower() + (f"-{rest}" if rest else "")
    return tag if len(tag) <= 35 and _LANGUAGE_TAG.match(tag) else None


def extract_html(body: bytes) -> Extracted | None:
    import trafilatura  # noqa: PLC0415 - reason: heavy, and only check-links extracts

    page = body[:MAX_HTML_BYTES]
    try:
        # no metadata (the title comes from the page's tags; htmldate's date search
        # would triple the time) and no second algorithms (the page's whole text stands
        # in when the main text is not found): a few ms for a typical page
        document = trafilatura.bare_extraction(
            page,
            fast=True,
            with_metadata=False,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
        )
    except Exception:  # a hostile page may break the parser in any way
        document = None
    text = getattr(document, "text", None) if document is not None else None
    if not text:  # too short or too odd for the main-text rules: all the page's text
        try:
            text = trafilatura.baseline(page)[1]
        except Exception:  # as above
            text = ""
    return Extracted(
        text=(text or "")[:MAX_TEXT],
        title=page_title(page),
        language=html_language(page),
    )


def extract_pdf(body: bytes) -> Extracted | None:
    import pypdf  # noqa: PLC0415 - reason: as above

    # pypdf reports each oddity of a damaged file through logging: not ours to print
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(body))
        pages = [page.extract_text() or "" for page in reader.pages[:MAX_PDF_PAGES]]
        metadata = reader.metadata
        title = metadata.title if metadata is not None else None
        language = reader.root_object.get("/Lang")
    except Exception:  # a damaged or hostile file: any error
        return None
    return Extracted(
        text="\n".join(pages)[:MAX_TEXT],
        title=str(title) if title else None,
        language=language_tag(str(language)) if language else None,
    )
