"""Commands that ask the network: check-links, enrich, check-metadata."""

from __future__ import annotations

import os
from pathlib import Path

import click

from resource_registry.base.errors import (
    ExitCode,
    UsageError,
)
from resource_registry.cli.common import (
    cli,
    private_option,
    resolve_root,
    root_option,
)


@cli.command(name="check-links")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@root_option
@click.option(
    "--stale-after",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Re-check only entries checked more than this many days ago.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=16,
    show_default=True,
    help="Requests in flight at once, over all hosts.",
)
@click.option(
    "--per-host",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Requests in flight at once to one host.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=15.0,
    show_default=True,
    help="Seconds for each request as a whole: resolving, connecting, headers and body.",
)
@click.option(
    "--no-hash",
    "no_hash",
    is_flag=True,
    help="Status only: HEAD (GET where refused), no body read, no size or sha256.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Summary for people (text) or for programs (json).",
)
@click.option(
    "--allow-private-addresses",
    is_flag=True,
    help="Also connect to loopback, private and other non-public addresses (for tests and "
    "intranet registries); also set by `allow_private_addresses = true` under [network] "
    "in resreg.toml.",
)
@click.option(
    "--archive",
    "save_archive",
    is_flag=True,
    help="Ask Save Page Now to capture live resources that have no archived copy; the "
    "credentials come from RESREG_ARCHIVE_ACCESS_KEY and RESREG_ARCHIVE_SECRET_KEY.",
)
@click.pass_context
def check_links_command(
    ctx: click.Context,
    paths: tuple[str, ...],
    root: Path | None,
    stale_after: int,
    concurrency: int,
    per_host: int,
    timeout: float,
    no_hash: bool,
    output_format: str,
    allow_private_addresses: bool,
    save_archive: bool,
) -> None:
    """Fetch resource URLs and record status, size, content hash and what the text says
    (title, language, words, fingerprint, preview) in each file's `fetch`.

    Pages that are gone, walled or drifted are looked up in web archives. Connects only
    to globally routable addresses unless private ones are allowed."""
    import asyncio
    import datetime as dt
    import sys

    from resource_registry.base import config
    from resource_registry.content import archive
    from resource_registry.edit import fmt as formatting
    from resource_registry.linkcheck import checker as links
    from resource_registry.linkcheck.settings import Settings
    from resource_registry.record import layout
    from resource_registry.report import render_links_json, render_links_text

    registry = resolve_root(root)
    configured = config.load(registry)
    network, endpoints = configured.network, configured.endpoints
    private = allow_private_addresses or network.allow_private_addresses
    credentials = archive.credentials_from(dict(os.environ)) if save_archive else None
    if save_archive and credentials is None:
        raise UsageError(
            "--archive needs Save Page Now credentials in the environment: "
            + " and ".join(archive.CREDENTIALS_ENV)
        )
    services = archive.Services(
        wayback=endpoints.wayback,
        memento=endpoints.memento,
        savepagenow=endpoints.savepagenow,
        allow_private=private,
        timeout=timeout,
        credentials=credentials,
    )
    settings = Settings(
        allow_private_addresses=private,
        archives=services,
        save=save_archive,
        stale_after=dt.timedelta(days=stale_after),
        concurrency=concurrency,
        per_host=per_host,
        timeout=timeout,
        read_bodies=not no_hash,
    )
    chosen = [
        path
        for path in formatting.targets(registry, paths)
        if path.startswith("data/resources/") and not layout.linked_part(registry, path)
    ]  # a link is reported by validation, never read nor written through
    targets, fresh = links.due(registry, chosen, dt.datetime.now(dt.UTC), settings.stale_after)
    if sys.stderr.isatty() and targets:
        with click.progressbar(length=len(targets), label="checking links", file=sys.stderr) as bar:
            report = asyncio.run(
                links.check_links(registry, targets, settings, progress=lambda: bar.update(1))
            )
    else:
        report = asyncio.run(links.check_links(registry, targets, settings))
    report.skipped_fresh = fresh
    render = render_links_json if output_format == "json" else render_links_text
    click.echo(render(report), nl=False)
    if report.unwritten:  # a result that would not pass validation: never written
        ctx.exit(ExitCode.FINDINGS)


def _names(values: tuple[str, ...], known: tuple[str, ...], what: str) -> list[str]:
    """Names given repeatedly or comma-separated, each one of ``known``."""
    from resource_registry.base.errors import UsageError

    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    if unknown := [name for name in names if name not in known]:
        raise UsageError(f"unknown {what} `{unknown[0]}`; one of: {', '.join(known)}")
    return names


_source_option = click.option(
    "--source",
    "only",
    multiple=True,
    help="Ask only this source (repeatable or comma-separated): arxiv, doi, lesswrong, "
    "alignmentforum, eaforum, semanticscholar, highwire, json-ld, dublin-core, opengraph, "
    "trafilatura, htmldate, html-meta, pdf, domains.",
)


@cli.command(name="enrich")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@root_option
@click.option(
    "--fields",
    "fields",
    multiple=True,
    help="Fields to fill (comma-separated or repeatable; default: title, type, "
    "publication, published_date, authors, abstract).",
)
@_source_option
@click.option(
    "--overwrite",
    multiple=True,
    help="Replace this field even where a value is written (repeatable); without it, "
    "only missing fields are filled.",
)
@click.option("--dry-run", is_flag=True, help="Show the diff of each file; write nothing.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Summary for people (text) or for programs (json).",
)
@private_option
@click.pass_context
def enrich_command(
    ctx: click.Context,
    paths: tuple[str, ...],
    root: Path | None,
    fields: tuple[str, ...],
    only: tuple[str, ...],
    overwrite: tuple[str, ...],
    dry_run: bool,
    output_format: str,
    allow_private_addresses: bool,
) -> None:
    """Fill missing fields of resource files from their sources; print a summary.

    Asks the identifier APIs in batches (arXiv 100 ids a request, 3 s apart), then the
    pages, with per-host limits; honours Retry-After; keeps an HTTP cache outside the
    registry, so that a rerun asks nothing twice. Each file is rewritten atomically as
    soon as it is done (a run can be interrupted and resumed), records its sources under
    `sources`, and only if it passes every check the old file passed. Exit 1 if a file
    was left alone for that reason."""
    import sys

    from resource_registry.record.constraints import SOURCE_NAMES
    from resource_registry.report import render_enrich_json, render_enrich_text
    from resource_registry.sources import enrich, filling
    from resource_registry.sources.gather import FILLABLE

    registry = resolve_root(root)
    chosen = _names(fields, FILLABLE, "field") or list(FILLABLE)
    replaced = _names(overwrite, FILLABLE, "field")
    sources = _names(only, SOURCE_NAMES, "source")
    options = enrich.Options(
        fields=frozenset(chosen) | frozenset(replaced),
        overwrite=frozenset(replaced),
        dry_run=dry_run,
    )
    settings = filling.settings_for(registry, only=sources or None)
    client = filling.client_for(
        settings, allow_private=filling.allow_private(registry, allow_private_addresses)
    )
    targets = enrich.resource_paths(registry, paths)
    if sys.stderr.isatty() and targets:
        with click.progressbar(length=len(targets), label="enriching", file=sys.stderr) as bar:
            report = enrich.run(registry, targets, options, settings, client, progress=bar.update)
    else:
        report = enrich.run(registry, targets, options, settings, client)
    render = render_enrich_json if output_format == "json" else render_enrich_text
    click.echo(render(report, dry_run=dry_run), nl=False)
    if report.unwritten:
        ctx.exit(ExitCode.FINDINGS)


@cli.command(name="check-metadata")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@root_option
@_source_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Findings for people (text) or for programs (json).",
)
@click.option("--strict", is_flag=True, help="Exit 1 when any stored value differs.")
@private_option
@click.pass_context
def check_metadata_command(
    ctx: click.Context,
    paths: tuple[str, ...],
    root: Path | None,
    only: tuple[str, ...],
    output_format: str,
    strict: bool,
    allow_private_addresses: bool,
) -> None:
    """Compare stored titles, authors and dates with what the sources say now.

    Differences are warnings M001-M003 (titles compared fuzzily: case and punctuation
    are not differences); sources that gave no usable answer are M004. Writes nothing."""
    from resource_registry.record.constraints import SOURCE_NAMES
    from resource_registry.report import render_metadata_json, render_metadata_text
    from resource_registry.sources import checkmeta, enrich, filling

    registry = resolve_root(root)
    sources = _names(only, SOURCE_NAMES, "source")
    settings = filling.settings_for(registry, only=sources or None)
    client = filling.client_for(
        settings, allow_private=filling.allow_private(registry, allow_private_addresses)
    )
    report = checkmeta.run(registry, enrich.resource_paths(registry, paths), settings, client)
    render = render_metadata_json if output_format == "json" else render_metadata_text
    click.echo(render(report), nl=False)
    differing = any(item.code in ("M001", "M002", "M003") for item in report.findings)
    if strict and differing:
        ctx.exit(ExitCode.FINDINGS)
