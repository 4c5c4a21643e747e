"""``resreg publish postgres``: an idempotent, verified copy of a dataset in PostgreSQL.

Git stays the source of truth; the database is a published copy that must never drift
silently. Each resource row keeps the record as ``data`` (jsonb, with typed columns and
a full-text vector generated from it), ``source_hash`` (sha256 of the record as
published) and ``published_hash`` (PostgreSQL's own md5 of ``data`` when it was written),
next to a generated ``db_hash`` of ``data`` as it is now. So:

- a republish sends only rows whose ``source_hash`` differs, plus rows whose ``db_hash``
  no longer matches ``published_hash`` (edited by hand), all in one transaction;
- publishing the same dataset twice changes no row;
- after commit, counts, every ``source_hash``, every ``db_hash`` and the child tables are
  checked against the dataset, and any difference fails the command, naming rows.

An advisory lock keeps two publishers from interleaving; schema names longer than
PostgreSQL keeps (63 bytes) are refused, so that one schema never has two locks.
Passwords never appear in output: the DSN is read by :mod:`resource_registry.publish.dsn`
before connecting, and messages name the database by host, port and name only.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from resource_registry.base.errors import RegistryError, UsageError
from resource_registry.publish import dsn
from resource_registry.release import dataset

_LOCK_NAMESPACE: Final = 0x5245_5352  # "RESR"
MAX_IDENTIFIER_BYTES: Final = 63  # NAMEDATALEN - 1


class PublishError(RegistryError):
    """The database could not be brought in line with the dataset, or does not match it."""


@dataclass(slots=True)
class Plan:
    """What a publish does, per table: keys to insert, update and delete."""

    insert: dict[str, list[str]] = field(default_factory=dict)
    update: dict[str, list[str]] = field(default_factory=dict)
    delete: dict[str, list[str]] = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)  # resources edited by hand

    def total(self) -> int:
        return sum(
            len(keys) for part in (self.insert, self.update, self.delete) for keys in part.values()
        )


@dataclass(frozen=True, slots=True)
class _Table:
    name: str
    key: str
    columns: str  # generated columns, after the key and data


_VOCABULARIES: Final = (
    _Table("publications", "id", "name text GENERATED ALWAYS AS (data->>'name') STORED"),
    _Table("pages", "id", "title text GENERATED ALWAYS AS (data->>'title') STORED"),
    _Table(
        "tombstones",
        "stable_id",
        "replaced_by text GENERATED ALWAYS AS (data->>'replaced_by') STORED",
    ),
)


def _ddl(schema: str) -> str:
    s = _ident(schema)
    vocabularies = "".join(
        f"CREATE TABLE IF NOT EXISTS {s}.{t.name} ({t.key} text PRIMARY KEY, data jsonb NOT NULL, "
        f"source_hash text NOT NULL, {t.columns});\n"
        for t in _VOCABULARIES
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


@dataclass(frozen=True, slots=True)
class _Dataset:
    """A dataset keyed for publishing. Resources stay as their JSONL lines until a row is
    checked and sent, and a resource's ``source_hash`` is the sha256 of its line: a
    republish of 100,000 resources parses and checks only the ones that changed."""

    version: str
    manifest_sha256: str
    lines: dict[str, bytes]  # resources: stable_id -> JSON line
    vocabularies: dict[str, dict[str, dict[str, Any]]]  # table -> key -> entry
    hashes: dict[str, dict[str, str]]  # table -> key -> source_hash
    entries: dict[str, list[Any]]  # each vocabulary file's list, for the record checks

    def record(self, table: str, key: str) -> dict[str, Any]:
        if table == "resources":
            parsed: dict[str, Any] = json.loads(self.lines[key])
            return parsed
        return self.vocabularies[table][key]


_STABLE_ID_PREFIX: Final = b'{"stable_id": "'


def read_dataset(folder: Path) -> _Dataset:
    """A dataset whose files publishing reads match its checksums and manifest, and whose
    vocabularies, tombstones and manifest pass validation (a dataset may come from anyone:
    checksums prove only that its files match its manifest). Its resources are checked as
    they are about to be sent (:func:`check_resources`)."""
    from resource_registry.release import screening  # noqa: PLC0415 - reason: pydantic-core

    read = ["resources.jsonl", *(f"{name}.json" for name in screening.VOCABULARIES)]
    if problems := dataset.verify_files(folder, read):
        raise UsageError(f"{folder} is not an intact dataset: " + "; ".join(problems[:3]))
    try:
        manifest = json.loads((folder / dataset.MANIFEST).read_text(encoding="utf-8"))
        entries = {
            name: json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
            for name in screening.VOCABULARIES
        }
        lines = _lines(folder / "resources.jsonl")
    except (ValueError, UnicodeDecodeError) as error:  # not JSON, or an integer too long
        raise dataset.DatasetError(f"{folder} holds a file that is not JSON ({error})") from None
    screening.require_valid([], entries, manifest=manifest)
    hashes = {"resources": {sid: hashlib.sha256(line).hexdigest() for sid, line in lines.items()}}
    vocabularies: dict[str, dict[str, dict[str, Any]]] = {}
    for table in _VOCABULARIES:
        vocabularies[table.name] = {entry[table.key]: entry for entry in entries[table.name]}
        hashes[table.name] = {key: _hash(entry) for key, entry in vocabularies[table.name].items()}
    manifest_hash = hashlib.sha256((folder / dataset.MANIFEST).read_bytes()).hexdigest()
    version = str(manifest.get("dataset_version", ""))
    return _Dataset(version, manifest_hash, lines, vocabularies, hashes, entries)


def _lines(path: Path) -> dict[str, bytes]:
    """Each resource's JSONL line by its stable ID, read from the line's start where it
    is written as `export` writes it (the record checks confirm it), else parsed."""
    lines: dict[str, bytes] = {}
    for line in path.read_bytes().splitlines():
        end = line.find(b'"', len(_STABLE_ID_PREFIX))
        if line.startswith(_STABLE_ID_PREFIX) and end > 0:
            key = line[len(_STABLE_ID_PREFIX) : end].decode("utf-8", "replace")
        elif line.strip():
            record = json.loads(line)
            key = str(record.get("stable_id")) if isinstance(record, dict) else repr(record)
        else:
            continue
        if key in lines:
            raise dataset.DatasetError(f"resources.jsonl holds stable ID {key!a} twice")
        lines[key] = line
    return lines


def check_resources(data: _Dataset, keys: Sequence[str]) -> None:
    """Every resource about to be sent passes validation (:mod:`release.screening`), and
    is the record its key says; :class:`UntrustedDataset` otherwise. A resource whose line
    is in the database already, byte for byte, was checked when it was sent."""
    from resource_registry.release import screening  # noqa: PLC0415 - reason: pydantic-core

    records = []
    for key in keys:
        try:
            record = json.loads(data.lines[key])
        except (ValueError, UnicodeDecodeError) as error:
            raise dataset.DatasetError(f"resources.jsonl: a line is not JSON ({error})") from None
        if not isinstance(record, dict) or record.get("stable_id") != key:
            raise dataset.DatasetError(f"resources.jsonl: the line of {key!a} is not its record")
        records.append(record)
    screening.require_valid(records, data.entries)


def _unpublished(connection: Any, schema: str, data: _Dataset) -> list[str]:
    """The resources whose line is not in the database as it is in the dataset: all of
    them when the schema has no resources table yet. Read-only."""
    s = _ident(schema)
    exists = connection.execute("SELECT to_regclass(%s)", (f"{s}.resources",)).fetchone()[0]
    if exists is None:
        return sorted(data.lines)
    current = dict(connection.execute(f"SELECT stable_id, source_hash FROM {s}.resources"))
    wanted = data.hashes["resources"]
    return sorted(key for key, digest in wanted.items() if current.get(key) != digest)


def publish(
    folder: Path,
    conninfo: str,
    *,
    schema: str = "registry",
    dry_run: bool = False,
    wait: float = 0.0,
) -> Plan:
    """Bring ``schema`` in line with the dataset in ``folder``; return what was done."""
    import psycopg  # noqa: PLC0415 - reason: only this command needs a database driver
    from psycopg.conninfo import make_conninfo  # noqa: PLC0415 - reason: as above

    params = check_target(conninfo, schema)
    data = read_dataset(folder)
    try:
        with psycopg.connect(make_conninfo(**params), autocommit=False) as connection:
            with _advisory_lock(connection, schema, wait):
                check_resources(data, _unpublished(connection, schema, data))
                connection.rollback()  # end the read before the schema changes
                connection.execute(_ddl(schema))
                connection.commit()
                plan = _plan(connection, schema, data)
                if dry_run:
                    connection.rollback()
                    return plan
                try:
                    _apply(connection, schema, data, plan)
                except psycopg.IntegrityError as error:  # such as one `id` held twice
                    connection.rollback()
                    raise PublishError(
                        f"the dataset breaks a database constraint ({_first_line(error)}); "
                        "nothing was changed"
                    ) from None
                connection.commit()
                problems = verify_database(connection, schema, data)
            if problems:
                raise PublishError(
                    "the database does not match the dataset after publishing: "
                    + "; ".join(problems[:10])
                )
            return plan
    except psycopg.OperationalError as error:
        raise PublishError(
            f"database error ({dsn.where(params)}): {_first_line(error)}; nothing was changed"
        ) from None


def verify_only(folder: Path, conninfo: str, *, schema: str = "registry") -> list[str]:
    import psycopg  # noqa: PLC0415 - reason: as above
    from psycopg.conninfo import make_conninfo  # noqa: PLC0415 - reason: as above

    params = check_target(conninfo, schema)
    data = read_dataset(folder)
    try:
        with psycopg.connect(make_conninfo(**params)) as connection:
            return verify_database(connection, schema, data)
    except psycopg.OperationalError as error:
        raise PublishError(f"database error ({dsn.where(params)}): {_first_line(error)}") from None


def check_target(conninfo: str, schema: str) -> dict[str, str]:
    """The DSN's parameters, once it and the schema name are known to be usable
    (:class:`UsageError` otherwise, quoting no part of the DSN)."""
    _ident(schema)
    return dsn.parse(conninfo)


def lock_key(schema: str) -> tuple[int, int]:
    """The advisory lock of one schema: (namespace, a 32-bit hash of its name)."""
    return _LOCK_NAMESPACE, int.from_bytes(
        hashlib.sha256(schema.encode()).digest()[:4], "big", signed=True
    )


@contextmanager
def _advisory_lock(connection: Any, schema: str, wait: float) -> Iterator[None]:
    key = lock_key(schema)[1]
    deadline = time.monotonic() + wait
    while not connection.execute(
        "SELECT pg_try_advisory_lock(%s, %s)", (_LOCK_NAMESPACE, key)
    ).fetchone()[0]:
        if time.monotonic() >= deadline:
            raise PublishError(
                f"another publish into schema `{schema}` is running; "
                "try again later or pass --wait SECONDS"
            )
        time.sleep(0.1)
    connection.commit()
    try:
        yield
    finally:
        if not connection.closed:
            connection.rollback()
            connection.execute("SELECT pg_advisory_unlock(%s, %s)", (_LOCK_NAMESPACE, key))
            connection.commit()


def _plan(connection: Any, schema: str, data: _Dataset) -> Plan:
    plan = Plan()
    s = _ident(schema)
    for table, key in (("resources", "stable_id"), *((t.name, t.key) for t in _VOCABULARIES)):
        current = dict(connection.execute(f"SELECT {key}, source_hash FROM {s}.{table}").fetchall())
        wanted = data.hashes[table]
        plan.insert[table] = sorted(wanted.keys() - current.keys())
        plan.delete[table] = sorted(current.keys() - wanted.keys())
        plan.update[table] = sorted(
            k for k in wanted.keys() & current.keys() if wanted[k] != current[k]
        )
    tampered = connection.execute(
        f"SELECT stable_id FROM {s}.resources WHERE db_hash IS DISTINCT FROM published_hash"
    ).fetchall()
    plan.repaired = sorted({row[0] for row in tampered} & data.lines.keys())
    plan.update["resources"] = sorted(set(plan.update["resources"]) | set(plan.repaired))
    return plan


def _apply(connection: Any, schema: str, data: _Dataset, plan: Plan) -> None:
    s = _ident(schema)
    for table in ("publications", "pages", "tombstones"):
        _upsert(
            connection,
            schema,
            table,
            next(t.key for t in _VOCABULARIES if t.name == table),
            data,
            plan,
        )
    changed = plan.insert["resources"] + plan.update["resources"]
    if plan.delete["resources"]:
        connection.execute(
            f"DELETE FROM {s}.resources WHERE stable_id = ANY(%s)", (plan.delete["resources"],)
        )
    _upsert(connection, schema, "resources", "stable_id", data, plan)
    _children(connection, schema, data, changed)
    for table in ("publications", "pages", "tombstones"):
        key = next(t.key for t in _VOCABULARIES if t.name == table)
        if plan.delete[table]:
            connection.execute(
                f"DELETE FROM {s}.{table} WHERE {key} = ANY(%s)", (plan.delete[table],)
            )
    connection.execute(
        f"INSERT INTO {s}.metadata VALUES ('dataset_version', %s), ('manifest_sha256', %s) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value "
        f"WHERE {s}.metadata.value IS DISTINCT FROM excluded.value",
        (data.version, data.manifest_sha256),
    )


def _upsert(connection: Any, schema: str, table: str, key: str, data: _Dataset, plan: Plan) -> None:
    from psycopg.types.json import Jsonb  # noqa: PLC0415 - reason: as above

    keys = plan.insert[table] + plan.update[table]
    if not keys:
        return
    s = _ident(schema)
    connection.execute(
        "CREATE TEMP TABLE stage (k text, data jsonb, source_hash text) ON COMMIT DROP"
    )
    with connection.cursor().copy("COPY stage (k, data, source_hash) FROM STDIN") as copy:
        for k in keys:
            copy.write_row((k, Jsonb(data.record(table, k)), data.hashes[table][k]))
    extra, values = ("", "")
    if table == "resources":
        extra, values = (", published_hash", ", md5(data::text)")
    connection.execute(
        f"INSERT INTO {s}.{table} ({key}, data, source_hash{extra}) "
        f"SELECT k, data, source_hash{values} FROM stage "
        f"ON CONFLICT ({key}) DO UPDATE SET data = excluded.data, "
        "source_hash = excluded.source_hash"
        + (", published_hash = excluded.published_hash" if table == "resources" else "")
    )
    connection.execute("DROP TABLE stage")


def _children(connection: Any, schema: str, data: _Dataset, changed: Sequence[str]) -> None:
    if not changed:
        return
    s = _ident(schema)
    for table in ("authors", "tags", "citations"):
        connection.execute(f"DELETE FROM {s}.{table} WHERE stable_id = ANY(%s)", (list(changed),))
    records = [data.record("resources", sid) for sid in changed]
    cursor = connection.cursor()
    with cursor.copy(f"COPY {s}.authors (stable_id, position, name) FROM STDIN") as copy:
        for r in records:
            for position, name in enumerate(r.get("authors", ())):
                copy.write_row((r["stable_id"], position, name))
    with cursor.copy(f"COPY {s}.tags (stable_id, tag) FROM STDIN") as copy:
        for r in records:
            for tag in r.get("tags", ()):
                copy.write_row((r["stable_id"], tag))
    with cursor.copy(f"COPY {s}.citations (stable_id, page) FROM STDIN") as copy:
        for r in records:
            for page in r.get("cited_by", ()):
                copy.write_row((r["stable_id"], page))


def verify_database(connection: Any, schema: str, data: _Dataset) -> list[str]:
    """Every difference between the database and the dataset (empty when they match)."""
    s = _ident(schema)
    problems: list[str] = []
    for table, key in (("resources", "stable_id"), *((t.name, t.key) for t in _VOCABULARIES)):
        current = dict(connection.execute(f"SELECT {key}, source_hash FROM {s}.{table}").fetchall())
        wanted = data.hashes[table]
        if len(current) != len(wanted):
            problems.append(f"{table}: {len(current):,} rows, the dataset has {len(wanted):,}")
        missing = sorted(wanted.keys() - current.keys())[:5]
        extra = sorted(current.keys() - wanted.keys())[:5]
        differ = sorted(k for k in wanted.keys() & current.keys() if wanted[k] != current[k])[:5]
        problems += [f"{table}: {k} is missing" for k in missing]
        problems += [f"{table}: {k} is not in the dataset" for k in extra]
        problems += [f"{table}: {k} differs" for k in differ]
    edited = connection.execute(
        f"SELECT stable_id FROM {s}.resources WHERE db_hash IS DISTINCT FROM published_hash "
        "ORDER BY stable_id LIMIT 5"
    ).fetchall()
    problems += [
        f"resources: {row[0]} was changed in the database after publishing" for row in edited
    ]
    for table, field_name in (("authors", "authors"), ("tags", "tags"), ("citations", "cited_by")):
        expected, actual = connection.execute(
            f"SELECT (SELECT coalesce(sum(n_{field_name}), 0) FROM {s}.resources), "
            f"(SELECT count(*) FROM {s}.{table})"
        ).fetchone()
        if actual != expected:
            problems.append(f"{table}: {actual:,} rows, the resources list {expected:,}")
    return problems


def _hash(record: Mapping[str, Any]) -> str:
    text = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name[0].isalpha():
        raise UsageError(f"`{name}` is not a plain schema name (letters, digits, `_`)")
    if len(name.encode()) > MAX_IDENTIFIER_BYTES:
        # PostgreSQL would cut it, so two long names would share one schema under two locks
        raise UsageError(
            f"the schema name is {len(name.encode())} bytes long in UTF-8; "
            f"PostgreSQL allows {MAX_IDENTIFIER_BYTES}"
        )
    return f'"{name}"'


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
