"""What a publish changes in the database: the rows that differ from the dataset, the plan
that brings them in line (loaded with COPY), and the check of every row after commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from resource_registry.publish.dataset_rows import DatasetRows
from resource_registry.publish.tables import VOCABULARY_TABLES, schema_identifier


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


def unpublished(connection: Any, schema: str, data: DatasetRows) -> list[str]:
    """The resources whose line is not in the database as it is in the dataset: all of
    them when the schema has no resources table yet. Read-only."""
    s = schema_identifier(schema)
    exists = connection.execute("SELECT to_regclass(%s)", (f"{s}.resources",)).fetchone()[0]
    if exists is None:
        return sorted(data.lines)
    current = dict(connection.execute(f"SELECT stable_id, source_hash FROM {s}.resources"))
    wanted = data.hashes["resources"]
    return sorted(key for key, digest in wanted.items() if current.get(key) != digest)


def plan_changes(connection: Any, schema: str, data: DatasetRows) -> Plan:
    plan = Plan()
    s = schema_identifier(schema)
    for table, key in (("resources", "stable_id"), *((t.name, t.key) for t in VOCABULARY_TABLES)):
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


def apply_plan(connection: Any, schema: str, data: DatasetRows, plan: Plan) -> None:
    s = schema_identifier(schema)
    for table in ("publications", "pages", "tombstones"):
        _upsert(
            connection,
            schema,
            table,
            next(t.key for t in VOCABULARY_TABLES if t.name == table),
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
        key = next(t.key for t in VOCABULARY_TABLES if t.name == table)
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


def _upsert(
    connection: Any, schema: str, table: str, key: str, data: DatasetRows, plan: Plan
) -> None:
    from psycopg.types.json import Jsonb  # noqa: PLC0415 - reason: only publishing needs the driver

    keys = plan.insert[table] + plan.update[table]
    if not keys:
        return
    s = schema_identifier(schema)
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


def _children(connection: Any, schema: str, data: DatasetRows, changed: Sequence[str]) -> None:
    if not changed:
        return
    s = schema_identifier(schema)
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


def verify_database(connection: Any, schema: str, data: DatasetRows) -> list[str]:
    """Every difference between the database and the dataset (empty when they match)."""
    s = schema_identifier(schema)
    problems: list[str] = []
    for table, key in (("resources", "stable_id"), *((t.name, t.key) for t in VOCABULARY_TABLES)):
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
