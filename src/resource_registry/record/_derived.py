"""Facts of the record format, derived from models.py by `scripts/generate-derived`;
do not edit. Tests fail when they differ from the models.

With them, commands that check or write data files need only pydantic-core, not
pydantic: loading pydantic and building the models costs a quarter of a second, half of
a warm validation. The core schemas are used only with the pydantic-core version they
were generated with (see records.py).
"""

import functools
import json
from pathlib import Path
from typing import Any, Final

RESOURCE_TYPES: Final = (
    "paper",
    "blog",
    "report",
    "book",
    "talk",
    "podcast",
    "government",
    "reference",
    "web",
)

FIELD_ORDER: Final[dict[str, tuple[str, ...]]] = {
    "Resource": (
        "stable_id",
        "id",
        "url",
        "previous_urls",
        "title",
        "type",
        "publication",
        "published_date",
        "authors",
        "importance",
        "labels",
        "relevance",
        "summary",
        "review",
        "abstract",
        "key_points",
        "tags",
        "cited_by",
        "fetch",
        "sources",
        "legacy",
    ),
    "Fetch": (
        "status",
        "checked_at",
        "final_url",
        "bytes",
        "content_type",
        "content_sha256",
        "verdict",
        "page_title",
        "language",
        "words",
        "fingerprint",
        "first_fingerprint",
        "similarity",
        "preview",
        "archive_url",
        "archived_at",
        "failures",
        "failing_since",
    ),
    "Sources": ("title", "type", "publication", "published_date", "authors", "abstract"),
    "Publication": ("id", "name", "type", "credibility", "peer_reviewed", "domains", "description"),
    "Page": ("id", "title", "type", "quality", "path"),
    "Tag": ("id", "name", "description", "aliases"),
    "Tombstone": ("stable_id", "id", "url", "title", "retired", "reason", "replaced_by"),
}

# each resource field as a column of the tabular formats: name, Table Schema type, required
RESOURCE_COLUMNS: Final[tuple[tuple[str, str, bool], ...]] = (
    ("stable_id", "string", True),
    ("id", "string", True),
    ("url", "string", True),
    ("previous_urls", "array", False),
    ("title", "string", True),
    ("type", "string", True),
    ("publication", "string", False),
    ("published_date", "string", False),
    ("authors", "array", False),
    ("importance", "integer", False),
    ("labels", "array", False),
    ("relevance", "string", False),
    ("summary", "string", False),
    ("review", "string", False),
    ("abstract", "string", False),
    ("key_points", "array", False),
    ("tags", "array", False),
    ("cited_by", "array", False),
    ("fetch", "object", False),
    ("sources", "object", False),
    ("legacy", "object", False),
)

PYDANTIC_CORE_VERSION: Final = "2.50.5"


@functools.cache
def core_schemas() -> dict[str, dict[str, Any]]:
    """The core schema of each adapter, from `core_schemas.json` beside this file."""
    text = (Path(__file__).parent / "core_schemas.json").read_text(encoding="utf-8")
    schemas: dict[str, dict[str, Any]] = json.loads(text)
    return schemas
