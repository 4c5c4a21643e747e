"""Identifiers in a URL that a metadata API can be asked about."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import unquote, urlsplit

from resource_registry.record import urls

DOI: Final = re.compile(r"10\.\d{4,9}/[^\s?#]+\Z")
_DOI_IN_PATH: Final = re.compile(
    r"/(?:doi|article|chapter|book)/(?:abs/|full/|pdf/|epdf/|fulltext/)?(10\.\d{4,9}/[^?#\s]+)"
)
_FORUM_POST: Final = re.compile(r"^/posts/([A-Za-z0-9]{17})(?:/|\Z)")
FORUM_HOSTS: Final = {
    "lesswrong": ("lesswrong.com",),
    "alignmentforum": ("alignmentforum.org",),
    "eaforum": ("forum.effectivealtruism.org",),
}


def arxiv_id(url: str) -> str | None:
    """The arXiv id of an arXiv URL (abs, pdf, html, any version): `2101.00001`."""
    key = urls.normalize(url)
    return key.removeprefix("arxiv:") if key.startswith("arxiv:") else None


def doi(url: str) -> str | None:
    """The DOI of a doi.org URL, or of a publisher's URL that carries one in its path."""
    key = urls.normalize(url)
    if key.startswith("doi:"):
        found = key.removeprefix("doi:")
        return found if DOI.match(found) else None
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return None
    if match := _DOI_IN_PATH.search(path):
        found = match.group(1).rstrip("/").lower()
        for suffix in (".pdf", "/full", "/abstract", "/pdf"):
            found = found.removesuffix(suffix)
        return found if DOI.match(found) else None
    return None


def forum_post(url: str, forum: str) -> str | None:
    """The post id of a ForumMagnum forum's post URL (`/posts/<17 characters>/slug`)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.")
    except ValueError:
        return None
    if host not in FORUM_HOSTS[forum]:
        return None
    match = _FORUM_POST.match(parts.path)
    return match.group(1) if match else None
