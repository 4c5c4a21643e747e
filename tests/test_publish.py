"""Publishing to a real PostgreSQL server, started for the tests (never a mock)."""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result
from psycopg.conninfo import conninfo_to_dict

from conftest import PROJECT_ROOT, BuiltSite, resource_text
from resource_registry.cli import cli
from resource_registry.edit.authoring import retire
from resource_registry.publish import postgres as publishing
from resource_registry.publish import sync, tables
from resource_registry.release.export import export
from test_release_trust import HOSTILE_DATASETS, _huge_integer, _resealed

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
import pgtemp


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """A throwaway server (scripts/pgtemp.py), run as an unprivileged user."""
    if pgtemp.binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: scripts/test installs it")
        pytest.skip("PostgreSQL server binaries are not installed here; scripts/test installs them")
    with pgtemp.temporary_server() as dsn:
        yield dsn


@pytest.fixture
def schema(request: pytest.FixtureRequest) -> str:
    return "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:50].lower()


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    root = tmp_path / "registry"
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    return root


def _publish_cli(server: str, schema: str, dataset_dir: Path, *extra: str) -> Result:
    return CliRunner().invoke(
        cli,
        [
            "publish",
            "postgres",
            "--dsn",
            server,
            "--schema",
            schema,
            "--from",
            str(dataset_dir),
            *extra,
        ],
        catch_exceptions=False,
    )


def _count(dsn: str, sql: str) -> int:
    with psycopg.connect(dsn) as connection:
        row = connection.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def _touched(plan: sync.Plan) -> int:
    return plan.total()


def test_first_publish_then_republish_changes_nothing(
    server: str, schema: str, registry: Path, tmp_path: Path
) -> None:
    out = export(registry, tmp_path / "ds").out
    first = publishing.publish(out, server, schema=schema)
    assert len(first.insert["resources"]) == 47
    assert _count(server, f"SELECT count(*) FROM {schema}.resources") == 47
    xmins = _count(server, f"SELECT sum(xmin::text::bigint) FROM {schema}.resources")
    again = publishing.publish(out, server, schema=schema)
    assert _touched(again) == 0
    assert _count(server, f"SELECT sum(xmin::text::bigint) FROM {schema}.resources") == xmins
    hits = _count(
        server,
        f"SELECT count(*) FROM {schema}.resources "
        "WHERE search @@ to_tsquery('simple', 'surveillance')",
    )
    assert hits >= 1


def test_republish_after_edits_and_retirements_touches_only_those(
    server: str, schema: str, registry: Path, tmp_path: Path
) -> None:
    publishing.publish(export(registry, tmp_path / "v1").out, server, schema=schema)
    files = sorted((registry / "data/resources").rglob("*.yaml"))
    files[0].write_text(files[0].read_text().replace("importance:", "importance: 1\n#", 1))
    retire(registry, files[1].stem, reason="Withdrawn.")
    path, text = resource_text("sid_PublishNew", "https://example.org/new", tags=["alignment"])
    (registry / path).parent.mkdir(parents=True, exist_ok=True)
    (registry / path).write_text(text)
    plan = publishing.publish(export(registry, tmp_path / "v2").out, server, schema=schema)
    assert plan.insert["resources"] == ["sid_PublishNew"]
    assert plan.update["resources"] == [files[0].stem]
    assert plan.delete["resources"] == [files[1].stem]
    assert plan.insert["tombstones"] == [files[1].stem]
    assert (
        _count(server, f"SELECT count(*) FROM {schema}.tags WHERE stable_id = 'sid_PublishNew'")
        == 1
    )


def test_dry_run_prints_the_plan_and_changes_nothing(
    server: str, schema: str, registry: Path, tmp_path: Path
) -> None:
    out = export(registry, tmp_path / "ds").out
    result = _publish_cli(server, schema, out, "--dry-run")
    assert result.exit_code == 0
    assert "resources: would insert 47, update 0, delete 0" in result.stdout
    assert "dry run: nothing was changed" in result.stdout
    assert _count(server, f"SELECT count(*) FROM {schema}.resources") == 0


def test_an_interrupted_publish_leaves_the_previous_state(
    server: str, schema: str, registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = export(registry, tmp_path / "v1").out
    publishing.publish(v1, server, schema=schema)
    before = _count(server, f"SELECT sum(xmin::text::bigint) FROM {schema}.resources")
    victim = sorted((registry / "data/resources").rglob("*.yaml"))[0]
    victim.write_text(victim.read_text().replace("title: ", "title: Changed ", 1))
    v2 = export(registry, tmp_path / "v2").out
    real = sync._children

    def killed(connection: Any, *args: Any) -> None:
        real(connection, *args)
        with psycopg.connect(server, autocommit=True) as other:  # kill it mid-load
            other.execute("SELECT pg_terminate_backend(%s)", (connection.info.backend_pid,))

    monkeypatch.setattr(sync, "_children", killed)
    result = _publish_cli(server, schema, v2)
    assert result.exit_code == 1
    assert "nothing was changed" in result.stderr
    assert "password" not in result.stderr.lower()
    assert _count(server, f"SELECT sum(xmin::text::bigint) FROM {schema}.resources") == before
    assert publishing.verify_only(v1, server, schema=schema) == []


def test_a_second_publisher_waits_or_fails_clearly(
    server: str, schema: str, registry: Path, tmp_path: Path
) -> None:
    out = export(registry, tmp_path / "ds").out
    holder = psycopg.connect(server, autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s, %s)", publishing.lock_key(schema))
    try:
        with pytest.raises(publishing.PublishError, match="another publish"):
            publishing.publish(out, server, schema=schema, wait=0)
        threading.Timer(0.5, holder.close).start()  # the first publisher finishes
        started = time.monotonic()
        plan = publishing.publish(out, server, schema=schema, wait=10)
        assert time.monotonic() - started >= 0.4
        assert len(plan.insert["resources"]) == 47
    finally:
        holder.close()


def test_a_database_edited_by_hand_is_caught_and_repaired(
    server: str, schema: str, registry: Path, tmp_path: Path
) -> None:
    out = export(registry, tmp_path / "ds").out
    publishing.publish(out, server, schema=schema)
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(
            f"UPDATE {schema}.resources SET data = jsonb_set(data, '{{title}}', "
            "'\"Edited by hand\"') WHERE stable_id = 'sid_d9EnmTcnin'"
        )
    problems = publishing.verify_only(out, server, schema=schema)
    assert problems == ["resources: sid_d9EnmTcnin was changed in the database after publishing"]
    result = _publish_cli(server, schema, out, "--verify-only")
    assert result.exit_code == 1
    plan = publishing.publish(out, server, schema=schema)
    assert plan.repaired == ["sid_d9EnmTcnin"]
    assert publishing.verify_only(out, server, schema=schema) == []


def test_a_tampered_dataset_is_refused_before_connecting(registry: Path, tmp_path: Path) -> None:
    out = export(registry, tmp_path / "ds").out
    jsonl = out / "resources.jsonl"
    jsonl.write_bytes(jsonl.read_bytes().replace(b"Attention", b"Attenshun"))
    result = CliRunner().invoke(
        cli,
        ["publish", "postgres", "--dsn", "host=127.0.0.1 port=1", "--from", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 2
    assert "resources.jsonl does not match its size or sha256" in result.stderr


@pytest.mark.parametrize("name", ["a" * 64, "é" * 32, "ss" + "ü" * 31], ids=["64", "é", "33"])
def test_a_schema_name_postgresql_would_cut_is_refused_before_connecting(
    registry: Path, tmp_path: Path, name: str
) -> None:
    assert len(name.encode()) > tables.MAX_IDENTIFIER_BYTES
    out = export(registry, tmp_path / "ds").out
    # port 1 refuses connections: reaching the database would be exit 1, "database error"
    for extra in ((), ("--verify-only",)):
        result = _publish_cli("host=127.0.0.1 port=1", name, out, *extra)
        assert result.exit_code == 2, result.stderr
        assert "bytes long in UTF-8; PostgreSQL allows 63" in result.stderr
        assert "database error" not in result.stderr


def test_the_longest_schema_name_is_kept_whole(server: str, registry: Path, tmp_path: Path) -> None:
    name = "t_" + "x" * 61
    out = export(registry, tmp_path / "ds").out
    publishing.publish(out, server, schema=name)
    assert _count(server, f"SELECT count(*) FROM {name}.resources") == 47
    assert _count(server, f"SELECT count(*) FROM pg_namespace WHERE nspname = '{name}'") == 1


def test_a_uri_with_an_encoded_password_publishes(
    server: str, schema: str, registry: Path, tmp_path: Path
) -> None:
    params = conninfo_to_dict(server)
    uri = (
        f"postgresql://{params['user']}:Hunter2%40Secret%2F%20x@127.0.0.1:{params['port']}"
        f"/{params.get('dbname', 'postgres')}?application_name=resreg-test"
    )
    result = _publish_cli(uri, schema, export(registry, tmp_path / "ds").out)
    assert result.exit_code == 0, result.stderr
    assert "Hunter2" not in result.stdout + result.stderr
    assert _count(server, f"SELECT count(*) FROM {schema}.resources") == 47


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def test_the_int64_boundaries_publish_and_beyond_them_nothing_is_exported(
    server: str, schema: str, registry: Path, tmp_path: Path
) -> None:
    """The largest integers validation accepts (`legacy` and `fetch` alike) reach
    PostgreSQL's jsonb exactly; one more is a finding at its line, so no dataset holds it."""
    fetch = {"status": 200, "checked_at": "2026-01-01T00:00:00Z", "bytes": _INT64_MAX}
    legacy = {"low": _INT64_MIN, "high": _INT64_MAX}
    path, text = resource_text(
        "sid_Int64Edge0", "https://example.org/int64", fetch=fetch, legacy=legacy
    )
    (registry / path).parent.mkdir(parents=True, exist_ok=True)
    (registry / path).write_text(text)
    out = export(registry, tmp_path / "ds").out
    publishing.publish(out, server, schema=schema)
    with psycopg.connect(server) as connection:
        row = connection.execute(
            f"SELECT (data->'legacy'->>'low')::numeric, (data->'legacy'->>'high')::numeric, "
            f"(data->'fetch'->>'bytes')::numeric FROM {schema}.resources "
            "WHERE stable_id = 'sid_Int64Edge0'"
        ).fetchone()
    assert row == (_INT64_MIN, _INT64_MAX, _INT64_MAX)
    assert publishing.verify_only(out, server, schema=schema) == []
    for beyond in (_INT64_MIN - 1, _INT64_MAX + 1):
        (registry / path).write_text(
            text.replace(str(_INT64_MAX), str(beyond)).replace(str(_INT64_MIN), str(beyond))
        )
        done = CliRunner().invoke(
            cli,
            ["publish", "postgres", "--root", str(registry), "--dsn", server, "--schema", schema],
            catch_exceptions=False,
        )
        assert done.exit_code == 1, done.output
        assert "refusing to export" in done.stderr
        assert "P014" in done.stderr


# --- a dataset from elsewhere is checked before anything is sent ---------------------------


@pytest.mark.parametrize(
    "case", ["javascript URL", "escaping stable ID", "NaN in legacy", "one stable ID in two cases"]
)
def test_publish_from_a_resealed_hostile_dataset_is_refused(
    server: str, schema: str, built_site: BuiltSite, tmp_path: Path, case: str
) -> None:
    change, code = HOSTILE_DATASETS[case]
    folder = _resealed(built_site.dataset, tmp_path / "download", change)
    done = _publish_cli(server, schema, folder)
    assert done.exit_code == 1, done.output
    assert f": {code} " in done.stderr or "twice" in done.stderr, done.stderr
    assert _count(server, f"SELECT count(*) FROM pg_namespace WHERE nspname = '{schema}'") == 0


def test_a_republish_checks_what_it_sends(
    server: str, schema: str, built_site: BuiltSite, tmp_path: Path
) -> None:
    assert _publish_cli(server, schema, built_site.dataset).exit_code == 0
    before = _count(server, f"SELECT sum(xmin::text::bigint) FROM {schema}.resources")
    for case in ("javascript URL", "NaN in legacy", "a tag Windows reserves, in no vocabulary"):
        change, code = HOSTILE_DATASETS[case]
        folder = _resealed(built_site.dataset, tmp_path / case.replace(" ", "-"), change)
        done = _publish_cli(server, schema, folder)
        assert done.exit_code == 1, done.output
        assert f": {code} " in done.stderr
    assert _count(server, f"SELECT sum(xmin::text::bigint) FROM {schema}.resources") == before
    huge = _resealed(built_site.dataset, tmp_path / "huge", _huge_integer)
    done = _publish_cli(server, schema, huge)
    assert done.exit_code == 1, done.output
    assert "is not JSON" in done.stderr
