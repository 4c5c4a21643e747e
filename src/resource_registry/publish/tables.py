"""The tables a publish creates or migrates in its schema, and the check that makes a
schema name safe to quote into SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from resource_registry.base.errors import UsageError

MAX_IDENTIFIER_BYTES: Final = 63  # NAMEDATALEN - 1


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    key: str
    columns: str  # generated columns, after the key and data


VOCABULARY_TABLES: Final = (
    Table("publications", "id", "name text GENERATED ALWAYS AS (data->>'name') STORED"),
    Table("pages", "id", "title text GENERATED ALWAYS AS (data->>'title') STORED"),
    Table(
        "tombstones",
        "stable_id",
        "replaced_by text GENERATED ALWAYS AS (data->>'replaced_by') STORED",
    ),
)


def ddl(schema: str) -> str:
    s = schema_identifier(schema)
    vocabularies = "".join(
        f"CREATE TABLE IF NOT EXISTS {s}.{t.name} ({t.key} text PRIMARY KEY, data jsonb NOT NULL, "
        f"source_hash text NOT NULL, {t.columns});\n"
        for t in VOCABULARY_TABLES
    )
    counts = "".join(  # migrations: columns added after the first release of this schema
        f"ALTER TABLE {s}.resources ADD COLUMN IF NOT EXISTS n_{field} integer GENERATED ALWAYS "
        f"AS (jsonb_array_length(coalesce(data->'{field}', '[]'))) STORED;\n"
        for field in ("authors", "tags", "cited_by")
    )
    text_of = "coalesce(data->>'{}', '')"
    search = " || ' ' || ".join(text_of.format(k) for k in ("title", "summary", "key_points"))
    return f"""
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.metadata (key text PRIMARY KEY, value text NOT NULL);
{vocabularies}
CREATE TABLE IF NOT EXISTS {s}.resources (
    stable_id text PRIMARY KEY,
    data jsonb NOT NULL,
    source_hash text NOT NULL,
    published_hash text NOT NULL,
    db_hash text GENERATED ALWAYS AS (md5(data::text)) STORED,
    id text GENERATED ALWAYS AS (data->>'id') STORED UNIQUE,
    url text GENERATED ALWAYS AS (data->>'url') STORED,
    title text GENERATED ALWAYS AS (data->>'title') STORED,
    type text GENERATED ALWAYS AS (data->>'type') STORED,
    publication text GENERATED ALWAYS AS (data->>'publication') STORED
        REFERENCES {s}.publications (id),
    published_date text GENERATED ALWAYS AS (data->>'published_date') STORED,
    importance integer GENERATED ALWAYS AS ((data->>'importance')::integer) STORED,
    search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, {search})) STORED
);
{counts}
CREATE INDEX IF NOT EXISTS resources_search ON {s}.resources USING gin (search);
CREATE INDEX IF NOT EXISTS resources_data ON {s}.resources USING gin (data jsonb_path_ops);
CREATE INDEX IF NOT EXISTS resources_url ON {s}.resources (url);
CREATE TABLE IF NOT EXISTS {s}.authors (
    stable_id text NOT NULL REFERENCES {s}.resources ON DELETE CASCADE,
    position integer NOT NULL, name text NOT NULL, PRIMARY KEY (stable_id, position));
CREATE INDEX IF NOT EXISTS authors_name ON {s}.authors (name);
CREATE TABLE IF NOT EXISTS {s}.tags (
    stable_id text NOT NULL REFERENCES {s}.resources ON DELETE CASCADE,
    tag text NOT NULL, PRIMARY KEY (stable_id, tag));
CREATE INDEX IF NOT EXISTS tags_tag ON {s}.tags (tag);
CREATE TABLE IF NOT EXISTS {s}.citations (
    stable_id text NOT NULL REFERENCES {s}.resources ON DELETE CASCADE,
    page text NOT NULL REFERENCES {s}.pages (id), PRIMARY KEY (stable_id, page));
CREATE INDEX IF NOT EXISTS citations_page ON {s}.citations (page);
"""


def schema_identifier(name: str) -> str:
    """``name`` quoted for SQL, once it is a plain name PostgreSQL keeps whole
    (:class:`UsageError` otherwise)."""
    if not name.replace("_", "").isalnum() or not name[0].isalpha():
        raise UsageError(f"`{name}` is not a plain schema name (letters, digits, `_`)")
    if len(name.encode()) > MAX_IDENTIFIER_BYTES:
        # PostgreSQL would cut it, so two long names would share one schema under two locks
        raise UsageError(
            f"the schema name is {len(name.encode())} bytes long in UTF-8; "
            f"PostgreSQL allows {MAX_IDENTIFIER_BYTES}"
        )
    return f'"{name}"'
