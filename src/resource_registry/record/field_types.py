"""The constrained field types the records share (``Annotated`` with pydantic's ``Field``):
identifiers, URLs, slugs, texts and dates."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from resource_registry.record.constraints import (
    DATE_PATTERN,
    ID_PATTERN,
    SLUG_PATTERN,
    STABLE_ID_PATTERN,
    URL_PATTERN,
)

StableId = Annotated[
    str,
    Field(
        pattern=STABLE_ID_PATTERN,
        description="Permanent identifier: `sid_` and 10 characters of [0-9A-Za-z], minted "
        "once from a CSPRNG. Equals the file name.",
    ),
]
ResourceId = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
        description="First 16 hex digits of sha256 of the URL as first recorded.",
    ),
]
Url = Annotated[
    str,
    Field(
        pattern=URL_PATTERN,
        max_length=2048,
        description="An absolute http(s) URL without credentials or whitespace.",
    ),
]
Slug = Annotated[
    str,
    Field(
        pattern=SLUG_PATTERN,
        max_length=100,
        description="Lowercase identifier: letters, digits and single `-`, `_` or `.` "
        "between them.",
    ),
]
Text = Annotated[str, Field(min_length=1, max_length=20_000, description="Non-empty text.")]
ShortText = Annotated[
    str, Field(min_length=1, max_length=500, description="Non-empty text of one line.")
]
IsoDate = Annotated[str, Field(pattern=DATE_PATTERN, description="A date: `YYYY-MM-DD`.")]
