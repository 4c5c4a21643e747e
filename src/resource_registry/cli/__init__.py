"""The ``resreg`` command line: parse arguments, call the core, render, exit.

This package is the only place that imports click. Each module holds a family of
commands, registered on the group of ``common.py`` when it is imported; core modules are
imported inside each command, so that a command pays only for what it uses.
"""

from __future__ import annotations

import signal

from resource_registry.cli import checking, editing, network, release, review
from resource_registry.cli.common import cli

__all__ = ["checking", "cli", "editing", "main", "network", "release", "review"]


def main() -> None:
    """Console-script entry point."""
    # SIGTERM unwinds like Ctrl-C, so that temporary files and folders are cleaned up
    signal.signal(signal.SIGTERM, _terminate)
    cli.main(prog_name="resreg")


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":  # pragma: no cover - reason: exercised through `python -m`
    main()
