"""Commands that build and use the dataset: export, verify, site, publish."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from resource_registry.base.errors import (
    ExitCode,
    UsageError,
)

if TYPE_CHECKING:
    from resource_registry.base.config import Site


from resource_registry.cli.common import (
    allow_dirty_option,
    cli,
    dataset_folder,
    echo_data,
    from_option,
    hide,
    jobs_option,
    resolve_root,
    root_option,
)

_EXPORT_STEPS = (
    "validating",
    "writing JSON, CSV, citations, Parquet and SQLite",
    "writing the manifest",
    "moving into place",
)


@cli.command(name="export")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The dataset folder (replaced whole, only once the new one is complete).",
)
@click.option("--version", "version", default=None, help="Dataset version (default: commit date).")
@click.option(
    "--previous",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="A previous dataset (folder or manifest.json) for changes.json.",
)
@allow_dirty_option
@root_option
@jobs_option
def export_command(
    out: Path,
    version: str | None,
    previous: Path | None,
    allow_dirty: bool,
    root: Path | None,
    jobs: int | None,
) -> None:
    """Compile the registry into a versioned dataset; refuses if validation finds errors or
    if data/ has uncommitted changes (unless --allow-dirty)."""
    import sys

    from resource_registry.release.export import export

    registry = resolve_root(root)
    if sys.stderr.isatty():
        with click.progressbar(
            length=len(_EXPORT_STEPS),
            label="exporting",
            file=sys.stderr,
            item_show_func=lambda step: step,
        ) as bar:
            result = export(
                registry,
                out,
                version=version,
                previous=previous,
                jobs=jobs,
                allow_dirty=allow_dirty,
                progress=lambda step: bar.update(1, step),
            )
    else:
        result = export(
            registry, out, version=version, previous=previous, jobs=jobs, allow_dirty=allow_dirty
        )
    echo_data(
        f"exported {result.resources:,} resources to {result.out} ({len(result.files)} files)"
        + (" from uncommitted changes (source_dirty: true)" if result.dirty else "")
    )


@cli.command(name="verify")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_context
def verify_command(ctx: click.Context, folder: Path) -> None:
    """Check a dataset against its checksums and manifest, and its formats against each other."""
    from resource_registry.release.dataset import verify

    problems = verify(folder)
    for problem in problems:
        echo_data(problem)
    click.echo(f"{folder}: " + (f"{len(problems)} problems found" if problems else "verified"))
    ctx.exit(ExitCode.FINDINGS if problems else ExitCode.OK)


@cli.command(name="site")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the site to (replaced whole when the build succeeds).",
)
@from_option
@allow_dirty_option
@jobs_option
@root_option
def site_command(
    out: Path, source: Path | None, allow_dirty: bool, jobs: int | None, root: Path | None
) -> None:
    """Build the static, browsable site: a page per resource, search, and listings.

    With `[site] repository` in resreg.toml, each resource page links to its file's
    edit page and to the issue form for reporting a problem with it."""
    from resource_registry.release import screening
    from resource_registry.release import site as website

    settings = _site_settings(root)
    with dataset_folder(source, root, jobs, allow_dirty=allow_dirty) as folder:
        result = website.build_site(screening.load_checked(folder), out, jobs=jobs, site=settings)
    click.echo(f"built {result.files:,} files for {result.resources:,} resources in {result.out}")


def _site_settings(root: Path | None) -> Site:
    """``[site]`` of the registry's resreg.toml; the defaults outside a registry (a site
    built from a dataset folder elsewhere)."""
    from resource_registry.base import config

    try:
        registry = resolve_root(root)
    except UsageError:
        if root is not None:
            raise
        return config.Site()
    return config.load(registry).site


@cli.group()
def publish() -> None:
    """Publish the dataset to a service (a verified, idempotent copy)."""


@publish.command(name="postgres")
@click.option("--dsn", default="", help="libpq connection string (default: the PG* variables).")
@click.option("--schema", default="registry", show_default=True, help="Schema to publish into.")
@from_option
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--verify-only", is_flag=True, help="Only compare the database with the dataset.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds to wait for another publish to finish.",
)
@root_option
@click.pass_context
def publish_postgres(
    ctx: click.Context,
    dsn: str,
    schema: str,
    source: Path | None,
    dry_run: bool,
    verify_only: bool,
    wait: float,
    root: Path | None,
) -> None:
    """Create or migrate the tables, load with COPY, apply inserts, updates and deletions in
    one transaction, then verify counts and per-row hashes against the dataset."""
    from resource_registry.publish import dsn as connection_string
    from resource_registry.publish import postgres as publishing

    hide(ctx, connection_string.secrets(dsn))
    publishing.check_target(dsn, schema)  # before exporting, which takes a while
    with dataset_folder(source, root, jobs=None) as folder:
        if verify_only:
            problems = publishing.verify_only(folder, dsn, schema=schema)
            for problem in problems:
                echo_data(problem)
            click.echo(
                "the database matches the dataset"
                if not problems
                else f"{len(problems)} differences"
            )
            ctx.exit(ExitCode.FINDINGS if problems else ExitCode.OK)
        plan = publishing.publish(folder, dsn, schema=schema, dry_run=dry_run, wait=wait)
    verb = "would " if dry_run else ""
    for table in plan.insert:
        click.echo(
            f"{table}: {verb}insert {len(plan.insert[table]):,}, update "
            f"{len(plan.update[table]):,}, delete {len(plan.delete[table]):,}"
        )
    if plan.repaired:
        click.echo(
            f"{len(plan.repaired):,} resources had been changed in the database by hand; "
            f"{verb}rewritten: {', '.join(plan.repaired[:10])}"
        )
    click.echo(
        "dry run: nothing was changed"
        if dry_run
        else "published and verified: the database matches the dataset"
    )
