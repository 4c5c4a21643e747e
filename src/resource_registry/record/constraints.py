"""The record format's value constraints as plain data, without pydantic: the patterns,
the closed sets of values (``Literal`` types) and the size limits the models use."""

from __future__ import annotations

from typing import Final, Literal, get_args

STABLE_ID_PATTERN: Final = r"^sid_[0-9A-Za-z]{10}$"
ID_PATTERN: Final = r"^[0-9a-f]{16}$"
SLUG_PATTERN: Final = r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$"
PARTIAL_DATE_PATTERN: Final = r"^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?$"
DATE_PATTERN: Final = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIMESTAMP_PATTERN: Final = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?Z$"
URL_PATTERN: Final = r"^https?://[^\s]+$"
MEDIA_TYPE_PATTERN: Final = r"^[!#$%&'*+.^_`|~0-9a-z-]+/[!#$%&'*+.^_`|~0-9a-z-]+$"

ResourceType = Literal[
    "paper", "blog", "report", "book", "talk", "podcast", "government", "reference", "web"
]
RESOURCE_TYPES: Final[tuple[str, ...]] = get_args(ResourceType)

Label = Literal[
    "analysis",
    "announcement",
    "book-chapter",
    "commentary",
    "course",
    "dataset",
    "interview",
    "legislation",
    "news",
    "opinion",
    "organizational-report",
    "peer-reviewed",
    "policy",
    "preprint",
    "primary-source",
    "survey",
    "technical-report",
    "tutorial",
]

PublicationType = Literal[
    "academic",
    "academic_journal",
    "academic_search",
    "blog_platform",
    "code_repository",
    "company_blog",
    "consulting",
    "encyclopedia",
    "government",
    "marketplace",
    "news",
    "organization",
    "preprint_server",
    "think_tank",
]

# The metadata sources that may fill a field (see the `sources` package).
SourceName = Literal[
    "arxiv",
    "doi",
    "lesswrong",
    "alignmentforum",
    "eaforum",
    "semanticscholar",
    "highwire",
    "json-ld",
    "dublin-core",
    "opengraph",
    "html-meta",
    "trafilatura",
    "htmldate",
    "pdf",
    "domains",
]
SOURCE_NAMES: Final[tuple[str, ...]] = get_args(SourceName)

FetchVerdict = Literal[
    "ok",
    "redirected",
    "dead",
    "soft-404",
    "login-wall",
    "bot-wall",
    "paywalled",
    "blocked",
    "error",
]
FINGERPRINT_PATTERN: Final = r"^[0-9a-f]{16}$"
LANGUAGE_PATTERN: Final = r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$"
# the longest preview and source title a tool writes (the record stays small)
PREVIEW_CHARACTERS: Final = 300
PAGE_TITLE_CHARACTERS: Final = 200
