"""The dataset's file formats: one column list drives CSV, Parquet, SQLite and the
Frictionless table schema, and each format has a reader so that ``verify`` can prove
they all hold the same records.

Encodings, decided once:
- JSON and JSONL: records as written in the registry, keys in schema order.
- CSV: one column per field; an absent field is an empty cell; lists (`tags`, ...) and
  objects (`fetch`, `legacy`) are compact JSON in their cell (Table Schema types
  ``array`` and ``object``), so every value round-trips exactly. A text cell that a
  spreadsheet would run as a formula (first character `=`, `+`, `-`, `@`, tab or CR) is
  written with a leading apostrophe (`'=1+1`), which spreadsheets read as "this is text";
  so is a text that already starts with apostrophes before such a character, which keeps
  the rule reversible: a reader removes one leading apostrophe from a text cell that
  matches :data:`FORMULA_CELL` with it removed (:func:`read_csv` does). Numbers, lists and
  objects are never prefixed: their cells start with a digit, `[`, `{` or `-` of a number.
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
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from resource_registry.record._derived import RESOURCE_COLUMNS


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str  # Table Schema type: string, integer, array, object
    required: bool = False


# one column per resource field, from the models (a field the models gain is a column),
# then the dates that come from git history and are not in the resource file
GIT_DATE_COLUMNS: Final = (Column("created", "string"), Column("modified", "string"))
COLUMNS: Final[tuple[Column, ...]] = (
    *(Column(*column) for column in RESOURCE_COLUMNS),
    *GIT_DATE_COLUMNS,
)
COLUMN_NAMES: Final = tuple(column.name for column in COLUMNS)

Record = dict[str, Any]


def _compact(value: object) -> str:
    return json.dumps(
        value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
    )


def ordered(record: Mapping[str, Any]) -> Record:
    return {name: record[name] for name in COLUMN_NAMES if name in record}


# --- JSON ------------------------------------------------------------------------------


# Every JSON written is JSON: validation refuses NaN and infinity, and `allow_nan=False`
# makes a value that slipped through an error rather than a bare `NaN` in a dataset.


def json_texts(records: Sequence[Record]) -> tuple[str, str]:
    """``resources.json`` (an array with one record per line) and ``resources.jsonl``,
    from one encoding of each record by json's C encoder (which writes no indented
    JSON; the indented form took a fifth of an export's time)."""
    lines = [json.dumps(ordered(r), ensure_ascii=False, allow_nan=False) for r in records]
    array = "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"
    return array, "".join(line + "\n" for line in lines)


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
    # RFC 4180's CRLF: Python's writer quotes a field holding a character of the line
    # terminator, so a carriage return inside a value stays inside its cell
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(column.name for column in columns)
    for record in records:
        writer.writerow(_cell(record.get(column.name), column) for column in columns)
    return out.getvalue()


# a text cell a spreadsheet would evaluate, once any apostrophes before it are removed
FORMULA_CELL: Final = re.compile("'*[=+\\-@\t\r]")


def _cell(value: object, column: Column) -> str:
    if value is None:
        return ""
    if column.kind in ("array", "object"):
        return _compact(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if column.kind == "string" and FORMULA_CELL.match(text) else text


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
    if text.startswith("'") and FORMULA_CELL.match(text, 1):
        return text[1:]
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

_SQLITE_SCHEMA: Final = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE publications (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, credibility INTEGER,
    peer_reviewed INTEGER, domains TEXT, description TEXT);
CREATE TABLE pages (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, type TEXT, quality INTEGER, path TEXT);
{resources_table}
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
_SQLITE_CONSTRAINTS: Final = {
    "stable_id": "PRIMARY KEY",
    "id": "NOT NULL UNIQUE",
    "publication": "REFERENCES publications(id)",
}


def _sqlite_resources_table() -> str:
    """One column per resource field: integers as INTEGER, lists and objects as JSON
    text, the rest as TEXT."""
    columns = []
    for column in COLUMNS:
        kind = "INTEGER" if column.kind == "integer" else "TEXT"
        constraint = _SQLITE_CONSTRAINTS.get(column.name, "NOT NULL" if column.required else "")
        columns.append(f"{column.name} {kind} {constraint}".rstrip())
    return "CREATE TABLE resources (\n    " + ",\n    ".join(columns) + ");"


SQLITE_SCHEMA: Final = _SQLITE_SCHEMA.replace("{resources_table}", _sqlite_resources_table())
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
