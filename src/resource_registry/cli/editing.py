"""Commands that change the registry: new, retire, merge, migrate-tombstones, import-legacy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from resource_registry.base.errors import (
    ExitCode,
    RegistryError,
    UsageError,
)
from resource_registry.cli.common import (
    cli,
    echo_data,
    private_option,
    resolve_root,
    root_option,
)
from resource_registry.record._derived import RESOURCE_TYPES


@cli.command()
@click.argument("url", required=False)
@root_option
@click.option(
    "--title",
    default=None,
    help="The resource's title (default: the title the source gives; required with --offline).",
)
@click.option(
    "--type",
    "type_",
    type=click.Choice(RESOURCE_TYPES, case_sensitive=False),
    default=None,
    help="What kind of resource it is (default: what the source says, else web).",
)
@click.option("--tag", "tags", multiple=True, help="A tag from data/tags.yaml (repeatable).")
@click.option(
    "--cited-by", "cited_by", multiple=True, help="A page from data/pages.yaml (repeatable)."
)
@click.option(
    "--offline",
    is_flag=True,
    help="Ask no source: write only what the command line gives.",
)
@private_option
@click.option(
    "--from-issue",
    "from_issue",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Take URL and the rest from a GitHub `issues` event payload (the issue form "
    "new-resource) instead of the arguments.",
)
@click.option(
    "--summary",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --from-issue: also write what happened, in Markdown for the issue, to this file.",
)
@click.pass_context
def new(
    ctx: click.Context,
    url: str | None,
    root: Path | None,
    title: str | None,
    type_: str | None,
    tags: tuple[str, ...],
    cited_by: tuple[str, ...],
    offline: bool,
    allow_private_addresses: bool,
    from_issue: Path | None,
    summary: Path | None,
) -> None:
    """Add a resource for URL: mint its IDs and write its file; print the path.

    Unless --offline, the source is asked first (arXiv, DOI, forum and Semantic
    Scholar APIs, then the page's own tags, main text or PDF metadata) for the title,
    type, publication, date, authors and abstract; values given here win, and what was
    filled is printed with its source and recorded under `sources`.

    The record is checked by the same rules as `resreg validate` first. Certain fixes
    are applied and reported (the URL's scheme and host lower-cased, its fragment
    dropped); an error writes nothing. Exit 1 if the record has errors or the URL is
    already in the registry (exactly or after normalization).

    With --from-issue, the URL, title, type, tags, pages and relevance come from the
    issue's form instead; its text is data, checked by the same rules.
    """
    from resource_registry.cache.place import registry_lock

    registry = resolve_root(root)
    relevance: str | None = None
    if from_issue is not None:
        typed = ctx.get_parameter_source("type_") is click.core.ParameterSource.COMMANDLINE
        if url or title or tags or cited_by or typed:
            raise UsageError("--from-issue takes the URL and the rest from the issue alone")
        from resource_registry.contrib import intake

        request = _issue_request(ctx, from_issue, summary)
        url, title, type_, relevance = request.url, request.title, request.type_, request.relevance
        tags, cited_by = request.tags, request.cited_by
    elif summary is not None:
        raise UsageError("--summary goes with --from-issue")
    if not url:
        raise UsageError("give a URL, or --from-issue EVENT.json")
    if offline and title is None and from_issue is None:
        raise UsageError("--offline needs --title")
    fetched: dict[str, object] = {}
    notes: tuple[Any, ...] = ()
    try:
        if not offline:
            fetched, notes = _fill_from_sources(
                registry, url, title, type_, allow_private_addresses
            )
        if from_issue is not None and title is None:
            _need_a_fetched_title(ctx, summary, request, fetched)
        with registry_lock(registry):
            from resource_registry.edit.authoring import new_resource

            made = new_resource(
                registry,
                url,
                title=title,
                type_=type_,
                tags=tags,
                cited_by=cited_by,
                relevance=relevance,
                fetched=fetched,
                notes=notes,
            )
    except RegistryError as error:
        if from_issue is not None:
            _write_summary(summary, intake.refused_markdown(request, [str(error)]))
        raise
    from resource_registry.report import render_findings

    if from_issue is not None:
        _write_summary(summary, intake.outcome_markdown(registry, request, made))
    for fixed in made.fixes:
        echo_data(f"resreg: fixed: {fixed}", err=True)
    click.echo(render_findings(made.findings), nl=False, err=True)
    if made.path is None:
        click.echo("resreg: nothing was written; fix the arguments and run `new` again", err=True)
        ctx.exit(ExitCode.FINDINGS)
    click.echo(made.path.relative_to(registry).as_posix())


def _issue_request(ctx: click.Context, event: Path, summary: Path | None) -> Any:
    """The resource an issue asks for; its problems are printed (and written to
    ``summary``), and the command exits 1."""
    from resource_registry.contrib import intake

    request = intake.read_event(event.read_bytes())
    if request.problems:
        _refuse_issue(ctx, summary, request, request.problems)
    return request


def _need_a_fetched_title(
    ctx: click.Context, summary: Path | None, request: Any, fetched: dict[str, object]
) -> None:
    """An issue without a title needs the page's own: else it is refused in plain words
    (not `new`'s usage error, which speaks of --title)."""
    from resource_registry.contrib import intake

    if not isinstance(fetched.get("title"), str):
        _refuse_issue(ctx, summary, request, [intake.NO_TITLE])


def _refuse_issue(ctx: click.Context, summary: Path | None, request: Any, problems: Any) -> None:
    """Say why the issue cannot be added (in the summary too), and exit 1."""
    from resource_registry.contrib import intake

    _write_summary(summary, intake.refused_markdown(request, problems))
    for problem in problems:
        echo_data(f"resreg: {problem}", err=True)
    ctx.exit(ExitCode.FINDINGS)


def _fill_from_sources(
    registry: Path, url: str, title: str | None, type_: str | None, allow_private: bool
) -> tuple[dict[str, object], tuple[Any, ...]]:
    """Ask the metadata sources about ``url`` (once it is known not to be recorded: a
    duplicate is refused before anything is fetched); print what they filled."""
    from resource_registry.edit.authoring import refuse_recorded
    from resource_registry.record.urls import certain_fixes
    from resource_registry.registry.lookup import identities, tombstones
    from resource_registry.sources.filling import fill_new

    refuse_recorded(certain_fixes(url)[0], identities(registry), tombstones(registry))
    given = [name for name, value in (("title", title), ("type", type_)) if value]
    filled = fill_new(registry, url, given=given, allow_private_addresses=allow_private)
    for name, source in filled.filled:
        echo_data(f"resreg: filled {name} from {source}", err=True)
    return dict(filled.fetched), tuple(filled.notes)


def _write_summary(summary: Path | None, markdown: str) -> None:
    if summary is not None:
        from resource_registry.base.fsutil import atomic_write

        atomic_write(summary, markdown.encode())


@cli.command()
@click.argument("stable_id")
@click.option("--reason", required=True, help="Why it is retired (kept in the tombstone).")
@root_option
def retire(stable_id: str, reason: str, root: Path | None) -> None:
    """Remove a resource and write its tombstone, data/tombstones/<xx>/STABLE_ID.yaml."""
    from resource_registry.check.tombstones import tombstone_path
    from resource_registry.edit.authoring import retire as retire_resource

    registry = resolve_root(root)
    removed = retire_resource(registry, stable_id, reason=reason)
    click.echo(
        f"retired {stable_id}: removed {removed.relative_to(registry).as_posix()}, "
        f"tombstone written to {tombstone_path(stable_id)}"
    )


@cli.command(name="migrate-tombstones")
@root_option
def migrate_tombstones(root: Path | None) -> None:
    """Split the old data/tombstones.yaml into one file per tombstone, then remove it."""
    from resource_registry.check.tombstones import LEGACY_FILE, migrate

    registry = resolve_root(root)
    written = migrate(registry)
    click.echo(f"wrote {len(written):,} tombstone files in data/tombstones/, removed {LEGACY_FILE}")


@cli.command()
@click.argument("duplicate")
@click.argument("keep")
@root_option
def merge(duplicate: str, keep: str, root: Path | None) -> None:
    """Fold DUPLICATE into KEEP and leave a tombstone that redirects to KEEP."""
    from resource_registry.edit.authoring import merge as merge_resources

    registry = resolve_root(root)
    merged = merge_resources(registry, duplicate, keep)
    click.echo(
        f"merged {duplicate} into {keep}: updated {merged.kept.relative_to(registry).as_posix()}, "
        f"removed {merged.removed.relative_to(registry).as_posix()}"
    )
    for conflict in merged.conflicts:
        click.echo(f"conflict, kept {keep}'s value: {conflict}")


@cli.command(name="import-legacy")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--into",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The new registry's root (created; must not hold data/ yet).",
)
@click.option(
    "--publications",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The legacy publications file.",
)
@click.option(
    "--pages",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The legacy pages file.",
)
def import_legacy_command(
    files: tuple[Path, ...], into: Path, publications: Path | None, pages: Path | None
) -> None:
    """Convert legacy list-per-file YAML into a registry at --into, then validate it."""
    from resource_registry.edit.legacy_import import import_legacy
    from resource_registry.registry.validate import Options
    from resource_registry.registry.validate import validate as run_validation
    from resource_registry.report import render_import_summary

    summary = import_legacy(list(files), into, publications=publications, pages=pages)
    report = run_validation(into, Options())
    click.echo(render_import_summary(into, summary, report), nl=False)
