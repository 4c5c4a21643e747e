"""DSNs: read by libpq's rules, and no message or traceback ever shows a password."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict

from conftest import PROJECT_ROOT
from resource_registry.base.errors import UsageError
from resource_registry.cli import cli
from resource_registry.publish import dsn
from resource_registry.release.export import export

SECRET = "Hunter2Secret"


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export(PROJECT_ROOT, tmp_path_factory.mktemp("dsn") / "dataset").out


def _publish(conninfo: str, *extra: str) -> Result:
    return CliRunner().invoke(
        cli, ["publish", "postgres", "--dsn", conninfo, *extra], catch_exceptions=False
    )


def _printed(result: Result) -> str:
    return result.stdout + result.stderr


@pytest.mark.parametrize(
    ("conninfo", "hidden"),
    [
        # a bad percent-escape: libpq quotes the token, today in a traceback
        (f"postgresql://u:{SECRET}%zz@127.0.0.1:1/db", [SECRET]),
        # `@` in a URI password: libpq reads the rest as the host
        ("postgresql://u:Hunter2@Secret@127.0.0.1:1/db", ["Hunter2", "Secret"]),
        # `/` in a URI password: libpq reads no password, and a port and database from it
        ("postgresql://u:Hunter2/Secret@127.0.0.1:1/db", ["Hunter2", "Secret"]),
        # an unquoted space in a keyword password: libpq complains about the second word
        ("host=127.0.0.1 port=1 password=Hunter2 Secret", ["Hunter2", "Secret"]),
        ("host=127.0.0.1 port=1 password=Hunter2 Secret=x", ["Hunter2", "Secret"]),
        ("host=127.0.0.1 port=1 password='Hunter2 Secret", ["Hunter2", "Secret"]),
        (f"postgresql://u:{SECRET}%00@127.0.0.1:1/db", [SECRET]),
        (f"postgresql://u:{SECRET}@127.0.0.1:1/db?sslmode", [SECRET]),
    ],
)
def test_a_malformed_dsn_is_a_usage_error_that_quotes_none_of_it(
    conninfo: str, hidden: list[str]
) -> None:
    result = _publish(conninfo)
    assert result.exit_code == 2, _printed(result)
    assert "resreg: the DSN" in result.stderr
    assert "Traceback" not in _printed(result)
    for secret in hidden:
        assert secret not in _printed(result)


def test_a_quoted_password_with_a_space_is_read_whole(dataset_dir: Path) -> None:
    assert dsn.parse("host=h password='Hunter2 Secret'")["password"] == "Hunter2 Secret"
    result = _publish("host=127.0.0.1 port=1 password='Hunter2 Secret'", "--from", str(dataset_dir))
    assert result.exit_code == 1
    assert "database error (host=127.0.0.1 port=1)" in result.stderr
    assert "Hunter2" not in _printed(result)
    assert "Secret" not in _printed(result)


def test_the_traceback_of_an_unexpected_error_hides_the_dsn(
    dataset_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def connect(conninfo: str, **options: Any) -> None:  # a driver bug that quotes its input
        raise RuntimeError(f"cannot use {conninfo!r}; given {options}")

    monkeypatch.setattr(psycopg, "connect", connect)
    for conninfo in (
        f"postgresql://u:{SECRET}%40x@127.0.0.1:1/db",
        f"host=127.0.0.1 port=1 password='{SECRET} two'",
        f"host=127.0.0.1 port=1 password={SECRET}",
    ):
        result = _publish(conninfo, "--from", str(dataset_dir))
        assert result.exit_code == 3
        assert "Traceback" in result.stderr
        assert "RuntimeError: cannot use" in result.stderr
        assert SECRET not in _printed(result)


def test_a_password_from_the_environment_is_hidden_too(
    dataset_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSWORD", SECRET)

    def connect(conninfo: str, **options: Any) -> None:
        raise RuntimeError(f"password {SECRET} refused")  # libpq's environment, quoted

    monkeypatch.setattr(psycopg, "connect", connect)
    result = _publish("host=127.0.0.1 port=1", "--from", str(dataset_dir))
    assert result.exit_code == 3
    assert SECRET not in _printed(result)


def test_redact_hides_dsns_it_was_not_told_about() -> None:
    text = (
        f"a postgresql://u:{SECRET}@h/db b; postgres://x:{SECRET}@h c; "
        f"password={SECRET} sslpassword = '{SECRET} x' d"
    )
    redacted = dsn.redact(text)
    assert SECRET not in redacted
    assert redacted.startswith("a postgresql://[hidden] b;")
    assert redacted.endswith("sslpassword = [hidden] d")


def test_secrets_cover_every_reading_of_a_password() -> None:
    hidden = dsn.secrets("host=h password=Hunter2 Secret port=5", environ={})
    assert {"Hunter2 Secret", "Hunter2", "Secret"} <= set(hidden)
    hidden = dsn.secrets("postgresql://u:Hunter2%40Secret@h/db", environ={})
    assert {"Hunter2@Secret", "Hunter2%40Secret"} <= set(hidden)
    text = dsn.redact("Hunter2@Secret and Secret@h and Hunter2%40Secret", hidden)
    assert "Hunter2" not in text
    assert "Secret" not in text


@pytest.mark.parametrize(
    ("conninfo", "expected"),
    [
        ("", {}),
        ("postgresql://", {}),
        ("host=h  port = 5432\tdbname='a b' password=x\\ y", {}),
        ("password='it\\'s' user=\\'q", {}),
        ("postgresql://u:p%40w@[::1]:5,h2:6/d%20b?sslmode=require&application_name=x", {}),
        ("postgres://h/db?ssl=true", {"host": "h", "dbname": "db", "sslmode": "require"}),
        ("postgresql:///db", {"dbname": "db"}),
        ("postgresql://h:/", {"host": "h"}),
        ("postgresql://u@h?", {"user": "u", "host": "h"}),
    ],
)
def test_valid_dsns_read_as_libpq_reads_them(conninfo: str, expected: dict[str, str]) -> None:
    assert dsn.parse(conninfo) == conninfo_to_dict(conninfo)
    assert all(dsn.parse(conninfo)[key] == value for key, value in expected.items())


_PIECES = st.sampled_from(
    [
        "postgresql://",
        "postgres://",
        "host",
        "password",
        "port",
        "dbname",
        "sslmode",
        "user",
        "5",
        "x",
        "=",
        " ",
        "\t",
        "'",
        "\\",
        "%",
        "%4",
        "0",
        "@",
        "/",
        ":",
        "?",
        "&",
        ",",
        "[",
        "]",
        "é",
    ]
)


@given(st.lists(_PIECES, max_size=14).map("".join))
def test_what_is_accepted_is_what_libpq_reads(conninfo: str) -> None:
    try:
        ours = dsn.parse(conninfo)
    except UsageError:
        return  # stricter than libpq is allowed: libpq would print or misplace a secret
    assert ours == conninfo_to_dict(conninfo)
