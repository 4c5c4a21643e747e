"""What every command shares: the group and its error handling, the common options,
the escaped output, the registry root."""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from resource_registry.base.errors import (
    FINDINGS_SHOWN,
    ExitCode,
    FindingsError,
    RegistryError,
)


class _Group(click.Group):
    """Maps expected errors to their exit codes and anything else to a bug report."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RegistryError as error:
            echo_data(redacted(ctx, f"resreg: {error}"), err=True)
            if isinstance(error, FindingsError):
                echo_findings(ctx, error.findings)
            ctx.exit(error.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # the reader went away (`resreg rules | head`): not our failure
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            ctx.exit(ExitCode.OK)
        except OSError as error:  # the environment refused: disk full, read-only, no access
            where = f" ({error.filename})" if error.filename else ""
            echo_data(redacted(ctx, f"resreg: {error.strerror or error}{where}"), err=True)
            ctx.exit(ExitCode.USAGE)
        except Exception:
            echo_data(redacted(ctx, traceback.format_exc()), err=True, line_breaks=True)
            click.echo(
                "resreg: internal error; please report it with the traceback above.", err=True
            )
            ctx.exit(ExitCode.INTERNAL_ERROR)


def echo_findings(ctx: click.Context, findings: tuple[Any, ...]) -> None:
    """The first findings that explain an error, escaped by the reporter, and a count of
    the rest."""
    from resource_registry.report import render_findings

    shown = findings[:FINDINGS_SHOWN]
    click.echo(redacted(ctx, render_findings(shown)), err=True, nl=False)
    if len(findings) > len(shown):
        click.echo(f"and {len(findings) - len(shown):,} more", err=True)


_SECRETS = "resreg.secrets"  # in click's Context.meta, which nested commands share


def hide(ctx: click.Context, secrets: list[str]) -> None:
    """Keep ``secrets`` out of every message and traceback this run prints."""
    ctx.meta[_SECRETS] = [*ctx.meta.get(_SECRETS, ()), *secrets]


def redacted(ctx: click.Context, text: str) -> str:
    from resource_registry.publish.dsn import redact

    return redact(text, ctx.meta.get(_SECRETS, ()))


def echo_data(text: str, *, err: bool = False, nl: bool = True, line_breaks: bool = False) -> None:
    """Echo text that holds data (values, paths, file contents): what a terminal could act
    on is shown escaped (see ``safetext.for_terminal``)."""
    from resource_registry.base.safetext import for_terminal

    click.echo(for_terminal(text, line_breaks=line_breaks), err=err, nl=nl)


root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Registry root (default: the current directory or the nearest parent with data/).",
)


jobs_option = click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: one per core).",
)


from_option = click.option(
    "--from",
    "source",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A dataset folder (default: export the registry first).",
)


private_option = click.option(
    "--allow-private-addresses",
    is_flag=True,
    help="Also connect to loopback, private and other non-public addresses (for tests and "
    "intranet registries); also set by `allow_private_addresses = true` under [network] "
    "in resreg.toml.",
)


def resolve_root(root: Path | None) -> Path:
    from resource_registry.record.layout import find_root

    return find_root(root if root is not None else Path.cwd())


allow_dirty_option = click.option(
    "--allow-dirty",
    is_flag=True,
    help="Export uncommitted changes in data/ or resreg.toml too; the manifest then says "
    "`source_dirty: true` (refused by default).",
)


@contextlib.contextmanager
def dataset_folder(
    source: Path | None, root: Path | None, jobs: int | None, *, allow_dirty: bool = False
) -> Iterator[Path]:
    """The dataset folder given with --from, or the registry exported to a scratch one."""
    if source is not None:
        yield source
        return
    import tempfile

    from resource_registry.release.export import export

    with tempfile.TemporaryDirectory(prefix="resreg-dataset-") as scratch:
        registry = resolve_root(root)
        yield export(registry, Path(scratch) / "dataset", jobs=jobs, allow_dirty=allow_dirty).out


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="resource-registry")
def cli() -> None:
    """Validate, format and publish a git-backed registry of web resources."""
