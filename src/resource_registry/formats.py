"""The dataset's file formats: one column list drives CSV, Parquet, SQLite and the
Frictionless table schema, and each format has a reader so that ``verify`` can prove
they all hold the same records.

Encodings, decided once:
- JSON and JSONL: records as written in the registry, keys in schema order.
- CSV: one column per field; an absent field is an empty cell; lists (`tags`, ...) and
  objects (`fetch`, `legacy`) are compact JSON in their cell (Table Schema types
  ``array`` and ``object``), so every value round-trips exactly.
- Parquet: strings, int64 `importance`, ``list<string>`` for lists, and JSON text for
  `fetch` and `legacy`.
- SQLite: see :data:`SQLITE_SCHEMA`.

Every format also has two columns that are not in the resource files: `created` and
`modified`, the commit times (UTC) of the first and the latest commit that touched the
resource's file (:mod:`resource_registry.cite.gitdates`), absent where history is unknown.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str  # Table Schema type: string, integer, array, object
    required: bool = False


COLUMNS: Final[tuple[Column, ...]] = (
    Column("stable_id", "string", True),
    Column("id", "string", True),
    Column("url", "string", True),
    Column("previous_urls", "array"),
    Column("title", "string", True),
    Column("type", "string", True),
    Column("publication", "string"),
    Column("published_date", "string"),
    Column("authors", "array"),
    Column("importance", "integer"),
    Column("labels", "array"),
    Column("relevance", "string"),
    Column("summary", "string"),
    Column("review", "string"),
    Column("abstract", "string"),
    Column("key_points", "array"),
    Column("tags", "array"),
    Column("cited_by", "array"),
    Column("fetch", "object"),
    Column("legacy", "object"),
    Column("created", "string"),  # from git history, not in the resource file
    Column("modified", "string"),
)
COLUMN_NAMES: Final = tuple(column.name for column in COLUMNS)

Record = dict[str, Any]


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def ordered(record: Mapping[str, Any]) -> Record:
    return {name: record[name] for name in COLUMN_NAMES if name in record}


# --- JSON ------------------------------------------------------------------------------


def json_text(records: Sequence[Record]) -> str:
    return json.dumps([ordered(r) for r in records], ensure_ascii=False, indent=1) + "\n"


def jsonl_text(records: Iterable[Record]) -> str:
    return "".join(json.dumps(ordered(r), ensure_ascii=False) + "\n" for r in records)


def read_json(path: Path) -> list[Record]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path.name} is not a JSON array")
    return data


def read_jsonl(path: Path) -> list[Record]:
    with path.open(encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


# --- CSV -------------------------------------------------------------------------------


def csv_text(records: Iterable[Mapping[str, Any]], columns: Sequence[Column] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(column.name for column in columns)
    for record in records:
        writer.writerow(_cell(record.get(column.name), column) for column in columns)
    return out.getvalue()


def _cell(value: object, column: Column) -> str:
    if value is None:
        return ""
    if column.kind in ("array", "object"):
        return _compact(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_csv(path: Path, columns: Sequence[Column] = COLUMNS) -> list[Record]:
    kinds = {column.name: column.kind for column in columns}
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return [
        {name: _uncell(text, kinds.get(name, "string")) for name, text in row.items() if text != ""}
        for row in rows
    ]


def _uncell(text: str, kind: str) -> object:
    if kind in ("array", "object"):
        return json.loads(text)
    if kind == "integer":
        return int(text)
    if kind == "boolean":
        return text == "true"
    return text


# --- Parquet ---------------------------------------------------------------------------


def write_parquet(records: Sequence[Record], path: Path) -> None:
    import pyarrow as pa  # noqa: PLC0415 - reason: a heavy import only export and verify need
    import pyarrow.parquet as pq  # noqa: PLC0415 - reason: as above

    fields, arrays = [], []
    for column in COLUMNS:
        values = [record.get(column.name) for record in records]
        if column.kind == "array":
            kind = pa.list_(pa.string())
        elif column.kind == "integer":
            kind = pa.int64()
        else:
            kind = pa.string()
            if column.kind == "object":
                values = [None if value is None else _compact(value) for value in values]
        fields.append(pa.field(column.name, kind, nullable=not column.required))
        arrays.append(pa.array(values, type=kind))
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    pq.write_table(table, path, compression="zstd", write_statistics=False)


def read_parquet(path: Path) -> list[Record]:
    import pyarrow.parquet as pq  # noqa: PLC0415 - reason: a heavy import only verify needs

    kinds = {column.name: column.kind for column in COLUMNS}
    rows = pq.read_table(path).to_pylist()
    return [
        {
            key: json.loads(value) if kinds.get(key) == "object" else value
            for key, value in row.items()
            if value is not None
        }
        for row in rows
    ]


# --- SQLite ----------------------------------------------------------------------------

SQLITE_SCHEMA: Final = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE publications (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, credibility INTEGER,
    peer_reviewed INTEGER, domains TEXT, description TEXT);
CREATE TABLE pages (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, type TEXT, quality INTEGER, path TEXT);
CREATE TABLE resources (
    stable_id TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, url TEXT NOT NULL,
    previous_urls TEXT, title TEXT NOT NULL, type TEXT NOT NULL,
    publication TEXT REFERENCES publications(id), published_date TEXT, authors TEXT,
    importance INTEGER, labels TEXT, relevance TEXT, summary TEXT, review TEXT, abstract TEXT,
    key_points TEXT, tags TEXT, cited_by TEXT, fetch TEXT, legacy TEXT, created TEXT,
    modified TEXT);
CREATE INDEX resources_url ON resources (url);
CREATE INDEX resources_publication ON resources (publication);
CREATE INDEX resources_type ON resources (type);
CREATE TABLE authors (
    stable_id TEXT NOT NULL REFERENCES resources(stable_id), position INTEGER NOT NULL,
    name TEXT NOT NULL, PRIMARY KEY (stable_id, position));
CREATE INDEX authors_name ON authors (name);
CREATE TABLE tags (
    stable_id TEXT NOT NULL REFERENCES resources(stable_id), tag TEXT NOT NULL,
    PRIMARY KEY (stable_id, tag));
CREATE INDEX tags_tag ON tags (tag);
CREATE TABLE citations (
    stable_id TEXT NOT NULL REFERENCES resources(stable_id),
    page TEXT NOT NULL REFERENCES pages(id), PRIMARY KEY (stable_id, page));
CREATE INDEX citations_page ON citations (page);
CREATE TABLE tombstones (
    stable_id TEXT PRIMARY KEY, id TEXT NOT NULL, url TEXT NOT NULL, title TEXT NOT NULL,
    retired TEXT NOT NULL, reason TEXT NOT NULL, replaced_by TEXT);
CREATE VIRTUAL TABLE resources_fts USING fts5(
    title, summary, key_points, content='resources', content_rowid='rowid');
"""
_JSON_COLUMNS: Final = frozenset(c.name for c in COLUMNS if c.kind in ("array", "object"))


def write_sqlite(
    path: Path,
    records: Sequence[Record],
    vocabularies: Mapping[str, Sequence[Mapping[str, Any]]],
    meta: Mapping[str, str],
) -> None:
    """A self-contained database; the same input always gives the same bytes."""
    connection = sqlite3.connect(path)
    try:
        connection.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA page_size = 4096;" + SQLITE_SCHEMA
        )
        connection.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        _insert(
            connection,
            "publications",
            [c.name for c in VOCABULARY_COLUMNS["publications"]],
            vocabularies["publications"],
        )
        _insert(
            connection,
            "pages",
            [c.name for c in VOCABULARY_COLUMNS["pages"]],
            vocabularies["pages"],
        )
        _insert(connection, "resources", COLUMN_NAMES, records)
        connection.executemany(
            "INSERT INTO authors VALUES (?, ?, ?)",
            (
                (r["stable_id"], position, name)
                for r in records
                for position, name in enumerate(r.get("authors", ()))
            ),
        )
        connection.executemany(
            "INSERT INTO tags VALUES (?, ?)",
            ((r["stable_id"], tag) for r in records for tag in r.get("tags", ())),
        )
        connection.executemany(
            "INSERT INTO citations VALUES (?, ?)",
            ((r["stable_id"], page) for r in records for page in r.get("cited_by", ())),
        )
        _insert(
            connection,
            "tombstones",
            [c.name for c in VOCABULARY_COLUMNS["tombstones"]],
            vocabularies["tombstones"],
        )
        connection.execute("INSERT INTO resources_fts (resources_fts) VALUES ('rebuild')")
        connection.commit()
        connection.execute("VACUUM")
    finally:
        connection.close()


def _insert(
    connection: sqlite3.Connection,
    table: str,
    names: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
) -> None:
    marks = ", ".join("?" for _ in names)
    statement = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
    connection.executemany(
        statement, (tuple(_sql_value(row.get(name), name) for name in names) for row in rows)
    )


def _sql_value(value: object, name: str) -> object:
    if value is None:
        return None
    if name in _JSON_COLUMNS or name in ("domains", "aliases"):
        return _compact(value)
    if isinstance(value, bool):
        return int(value)
    return value


def read_sqlite(path: Path) -> list[Record]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cursor = connection.execute(
            f"SELECT {', '.join(COLUMN_NAMES)} FROM resources ORDER BY stable_id"
        )
        return [
            {
                name: json.loads(value) if name in _JSON_COLUMNS else value
                for name, value in zip(COLUMN_NAMES, row, strict=True)
                if value is not None
            }
            for row in cursor
        ]
    finally:
        connection.close()


def table_schema(columns: Sequence[Column], primary_key: str | None = None) -> dict[str, Any]:
    """The Frictionless Table Schema of a CSV written with these columns."""
    schema: dict[str, Any] = {
        "fields": [
            {
                "name": c.name,
                "type": c.kind,
                **({"constraints": {"required": True}} if c.required else {}),
            }
            for c in columns
        ],
        "missingValues": [""],
    }
    if primary_key:
        schema["primaryKey"] = [primary_key]
    return schema


VOCABULARY_COLUMNS: Final[dict[str, tuple[Column, ...]]] = {
    "publications": (
        Column("id", "string", True),
        Column("name", "string", True),
        Column("type", "string", True),
        Column("credibility", "integer"),
        Column("peer_reviewed", "boolean"),
        Column("domains", "array"),
        Column("description", "string"),
    ),
    "pages": (
        Column("id", "string", True),
        Column("title", "string", True),
        Column("type", "string"),
        Column("quality", "integer"),
        Column("path", "string"),
    ),
    "tags": (
        Column("id", "string", True),
        Column("name", "string"),
        Column("description", "string"),
        Column("aliases", "array"),
    ),
    "tombstones": (
        Column("stable_id", "string", True),
        Column("id", "string", True),
        Column("url", "string", True),
        Column("title", "string", True),
        Column("retired", "string", True),
        Column("reason", "string", True),
        Column("replaced_by", "string"),
    ),
}
