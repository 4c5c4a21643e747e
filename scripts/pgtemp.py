"""A throwaway PostgreSQL server in a temporary folder, for tests and benchmarks.

Uses Debian's server binaries (``/usr/lib/postgresql/*/bin``) or ``initdb`` on PATH, runs
as the ``postgres`` user when started by root (the server refuses root), listens on
127.0.0.1 only, with fsync off: it holds nothing worth keeping.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def binaries() -> Path | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists():
            return folder
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@contextmanager
def temporary_server() -> Iterator[str]:
    """Start a server; yield its libpq connection string; stop and remove it."""
    folder_of_binaries = binaries()
    if folder_of_binaries is None:
        raise RuntimeError("PostgreSQL server binaries are not installed")
    folder = Path(tempfile.mkdtemp(prefix="resreg-postgres-"))  # not pytest's private tmp
    folder.chmod(0o755)
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = folder / "data"
    initdb = [
        str(folder_of_binaries / "initdb"),
        "-D",
        str(data),
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--no-sync",
    ]
    subprocess.run([*as_user, *initdb], check=True, capture_output=True)
    pg_ctl = [*as_user, str(folder_of_binaries / "pg_ctl"), "-D", str(data)]
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*pg_ctl, "-l", str(folder / "log"), "-o", options, "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
