"""The record format: the single source of truth for every data file's schema.

The JSON Schemas in ``schemas/`` are generated from these types (``resreg schemas
--write``) and a test fails when the committed files drift from them. Records are
``TypedDict``s: validated by pydantic-core in strict mode, so what passes here passes
the JSON Schema, and code reads them as plain dicts without copying. The patterns,
closed sets of values and size limits they use are in :mod:`.constraints`.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, NotRequired

from pydantic import ConfigDict, Field, TypeAdapter, with_config
from typing_extensions import TypedDict

from resource_registry.record.constraints import (
    FINGERPRINT_PATTERN,
    LANGUAGE_PATTERN,
    MEDIA_TYPE_PATTERN,
    PAGE_TITLE_CHARACTERS,
    PARTIAL_DATE_PATTERN,
    PREVIEW_CHARACTERS,
    TIMESTAMP_PATTERN,
    URL_PATTERN,
    FetchVerdict,
    Label,
    PublicationType,
    ResourceType,
    SourceName,
)
from resource_registry.record.field_types import (
    IsoDate,
    ResourceId,
    ShortText,
    Slug,
    StableId,
    Text,
    Url,
)

SCHEMA_VERSION: Final = "1.0.0"

_STRICT = ConfigDict(extra="forbid", strict=True)


@with_config(_STRICT)
class Fetch(TypedDict):
    """What the last link check saw at the URL. Written by tools, not by hand."""

    status: Annotated[
        int, Field(ge=0, le=599, description="HTTP status of the final answer; 0 if none.")
    ]
    checked_at: Annotated[
        str,
        Field(pattern=TIMESTAMP_PATTERN, description="When it was checked (UTC, RFC 3339)."),
    ]
    final_url: NotRequired[
        Annotated[str, Field(pattern=URL_PATTERN, description="Where redirects ended.")]
    ]
    bytes: NotRequired[Annotated[int, Field(ge=0, description="Size of the body in bytes.")]]
    content_type: NotRequired[
        Annotated[
            str,
            Field(
                pattern=MEDIA_TYPE_PATTERN,
                max_length=200,
                description="Media type: `type/subtype` in lower case.",
            ),
        ]
    ]
    content_sha256: NotRequired[
        Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of the body.")]
    ]
    verdict: NotRequired[
        Annotated[FetchVerdict, Field(description="The link checker's conclusion.")]
    ]
    page_title: NotRequired[
        Annotated[
            str,
            Field(
                min_length=1,
                max_length=PAGE_TITLE_CHARACTERS,
                description="The source's own title (of the page, or of the PDF's metadata).",
            ),
        ]
    ]
    language: NotRequired[
        Annotated[
            str,
            Field(
                pattern=LANGUAGE_PATTERN,
                max_length=35,
                description="The language the page declares (a BCP 47 tag, lower-case "
                "language subtag).",
            ),
        ]
    ]
    words: NotRequired[
        Annotated[int, Field(ge=0, le=100_000_000, description="Words in the main text.")]
    ]
    fingerprint: NotRequired[
        Annotated[
            str,
            Field(
                pattern=FINGERPRINT_PATTERN,
                description="64-bit simhash of the main text's word shingles (16 hex "
                "digits): near texts have near fingerprints; boilerplate is left out.",
            ),
        ]
    ]
    first_fingerprint: NotRequired[
        Annotated[
            str,
            Field(
                pattern=FINGERPRINT_PATTERN,
                description="The fingerprint of the first text seen, kept so that slow drift "
                "over many checks is caught too.",
            ),
        ]
    ]
    similarity: NotRequired[
        Annotated[
            float,
            Field(
                ge=0,
                le=1,
                description="Present when the text drifted at this check: its similarity "
                "(0 to 1) to the previous text, or to the first text when that is lower.",
            ),
        ]
    ]
    preview: NotRequired[
        Annotated[
            str,
            Field(
                min_length=1,
                max_length=PREVIEW_CHARACTERS,
                description="The beginning of the main text, on one line.",
            ),
        ]
    ]
    archive_url: NotRequired[
        Annotated[
            str,
            Field(
                pattern=URL_PATTERN,
                max_length=4096,
                description="An archived copy (Wayback Machine or a Memento archive).",
            ),
        ]
    ]
    archived_at: NotRequired[
        Annotated[
            str,
            Field(
                pattern=TIMESTAMP_PATTERN,
                description="When that copy was captured (UTC, RFC 3339).",
            ),
        ]
    ]
    failures: NotRequired[
        Annotated[
            int,
            Field(
                ge=1,
                le=999_999,
                description="Checks in a row, since the answer above, that got no answer "
                "(timeout, reset, refused connection, 5xx); absent once a check is answered.",
            ),
        ]
    ]
    failing_since: NotRequired[
        Annotated[
            str,
            Field(
                pattern=TIMESTAMP_PATTERN,
                description="When the first of those failed checks ran (UTC, RFC 3339).",
            ),
        ]
    ]


_SOURCE = Field(description="The source that gave this field's value.")


@with_config(_STRICT)
class Sources(TypedDict):
    """Which metadata source gave each fetched field. Written by tools, not by hand."""

    title: NotRequired[Annotated[SourceName, _SOURCE]]
    type: NotRequired[Annotated[SourceName, _SOURCE]]
    publication: NotRequired[Annotated[SourceName, _SOURCE]]
    published_date: NotRequired[Annotated[SourceName, _SOURCE]]
    authors: NotRequired[Annotated[SourceName, _SOURCE]]
    abstract: NotRequired[Annotated[SourceName, _SOURCE]]


@with_config(ConfigDict(extra="forbid", strict=True, title="Resource"))
class Resource(TypedDict):
    """One cited web resource: the content of `data/resources/<xx>/<stable_id>.yaml`."""

    stable_id: StableId
    id: ResourceId
    url: Annotated[Url, Field(description="Where the resource lives now.")]
    previous_urls: NotRequired[
        Annotated[
            list[Url],
            Field(
                min_length=1,
                description="Earlier URLs of this resource; `id` may hash one of them.",
            ),
        ]
    ]
    title: Annotated[str, Field(min_length=1, max_length=500, description="The title.")]
    type: Annotated[ResourceType, Field(description="What kind of resource it is.")]
    publication: NotRequired[
        Annotated[Slug, Field(description="Publisher or venue: an id in `publications.yaml`.")]
    ]
    published_date: NotRequired[
        Annotated[
            str,
            Field(
                pattern=PARTIAL_DATE_PATTERN,
                description="Publication date, as precise as known: `YYYY`, `YYYY-MM` or "
                "`YYYY-MM-DD`.",
            ),
        ]
    ]
    authors: NotRequired[
        Annotated[
            list[ShortText], Field(min_length=1, description="Authors, as they are credited.")
        ]
    ]
    importance: NotRequired[
        Annotated[int, Field(ge=0, le=100, description="How central it is, 0 to 100.")]
    ]
    labels: NotRequired[
        Annotated[list[Label], Field(min_length=1, description="Genre labels from a closed set.")]
    ]
    relevance: NotRequired[
        Annotated[ShortText, Field(description="One line on why the knowledge base cites it.")]
    ]
    summary: NotRequired[Annotated[Text, Field(description="One or two sentences.")]]
    review: NotRequired[Annotated[Text, Field(description="A longer critical review.")]]
    abstract: NotRequired[Annotated[Text, Field(description="The author's abstract.")]]
    key_points: NotRequired[
        Annotated[list[Text], Field(min_length=1, description="The main claims, one per item.")]
    ]
    tags: NotRequired[
        Annotated[list[Slug], Field(min_length=1, description="Topic tags: ids in `tags.yaml`.")]
    ]
    cited_by: NotRequired[
        Annotated[
            list[Slug],
            Field(min_length=1, description="Knowledge-base pages citing it: ids in `pages.yaml`."),
        ]
    ]
    fetch: NotRequired[Annotated[Fetch, Field(description="Link-check result.")]]
    sources: NotRequired[
        Annotated[
            Sources,
            Field(
                description="Provenance of fetched values: which source gave which field "
                "(written by `new` and `enrich`); a field not named here was typed by a person."
            ),
        ]
    ]
    legacy: NotRequired[
        Annotated[
            dict[str, Any],
            Field(
                description="Fields carried over verbatim from the legacy knowledge base "
                "(such as fetched_at and local_filename), kept for provenance only."
            ),
        ]
    ]


@with_config(ConfigDict(extra="forbid", strict=True, title="Publication"))
class Publication(TypedDict):
    """A publisher or venue, referenced by a resource's `publication`."""

    id: Slug
    name: ShortText
    type: Annotated[PublicationType, Field(description="What kind of venue it is.")]
    credibility: NotRequired[
        Annotated[int, Field(ge=1, le=5, description="1 (unvetted) to 5 (gold standard).")]
    ]
    peer_reviewed: NotRequired[Annotated[bool, Field(description="Whether it is refereed.")]]
    domains: NotRequired[
        Annotated[
            list[ShortText],
            Field(min_length=1, description="Web domains (and path prefixes) it publishes on."),
        ]
    ]
    description: NotRequired[Annotated[ShortText, Field(description="One line about it.")]]


@with_config(ConfigDict(extra="forbid", strict=True, title="Page"))
class Page(TypedDict):
    """A knowledge-base page, referenced by a resource's `cited_by`."""

    id: Slug
    title: ShortText
    type: NotRequired[Annotated[Slug, Field(description="The page's kind in the knowledge base.")]]
    quality: NotRequired[Annotated[int, Field(ge=0, le=100, description="Quality, 0 to 100.")]]
    path: NotRequired[Annotated[ShortText, Field(description="Source path of the page.")]]


@with_config(ConfigDict(extra="forbid", strict=True, title="Tag"))
class Tag(TypedDict):
    """A topic tag, referenced by a resource's `tags`."""

    id: Slug
    name: NotRequired[ShortText]
    description: NotRequired[Annotated[ShortText, Field(description="What the tag covers.")]]
    aliases: NotRequired[
        Annotated[
            list[Slug],
            Field(min_length=1, description="Other spellings that `resreg fmt` rewrites to `id`."),
        ]
    ]


@with_config(ConfigDict(extra="forbid", strict=True, title="Tombstone"))
class Tombstone(TypedDict):
    """A retired resource. Tombstones are permanent: their IDs are never reused."""

    stable_id: StableId
    id: ResourceId
    url: Url
    title: Annotated[str, Field(min_length=1, max_length=500, description="Its last title.")]
    retired: Annotated[IsoDate, Field(description="The day it was retired.")]
    reason: ShortText
    replaced_by: NotRequired[
        Annotated[StableId, Field(description="The resource it was merged into, if any.")]
    ]


RESOURCE_ADAPTER: Final[TypeAdapter[Resource]] = TypeAdapter(Resource)
PUBLICATIONS_ADAPTER: Final[TypeAdapter[list[Publication]]] = TypeAdapter(list[Publication])
PAGES_ADAPTER: Final[TypeAdapter[list[Page]]] = TypeAdapter(list[Page])
TAGS_ADAPTER: Final[TypeAdapter[list[Tag]]] = TypeAdapter(list[Tag])
TOMBSTONES_ADAPTER: Final[TypeAdapter[list[Tombstone]]] = TypeAdapter(list[Tombstone])


# What each file is validated as: a resource file, or a vocabulary file's list.
ADAPTERS: Final[dict[str, TypeAdapter[Any]]] = {
    "resource": RESOURCE_ADAPTER,
    "publications": PUBLICATIONS_ADAPTER,
    "pages": PAGES_ADAPTER,
    "tags": TAGS_ADAPTER,
    "tombstones": TOMBSTONES_ADAPTER,
}
