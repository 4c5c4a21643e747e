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

This module holds the order of a publish and its lock; the tables are in ``tables``, the
dataset's rows in ``dataset_rows``, and the plan, the load and the check in ``sync``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from resource_registry.base.errors import RegistryError
from resource_registry.publish import dsn
from resource_registry.publish.dataset_rows import check_resources, read_dataset
from resource_registry.publish.sync import (
    Plan,
    apply_plan,
    plan_changes,
    unpublished,
    verify_database,
)
from resource_registry.publish.tables import ddl, schema_identifier

_LOCK_NAMESPACE: Final = 0x5245_5352  # "RESR"


class PublishError(RegistryError):
    """The database could not be brought in line with the dataset, or does not match it."""


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
                check_resources(data, unpublished(connection, schema, data))
                connection.rollback()  # end the read before the schema changes
                connection.execute(ddl(schema))
                connection.commit()
                plan = plan_changes(connection, schema, data)
                if dry_run:
                    connection.rollback()
                    return plan
                try:
                    apply_plan(connection, schema, data, plan)
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
    schema_identifier(schema)
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


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
