"""The ``resreg`` command line: parse arguments, call the core, render, exit.

This is the only module that imports click. Core modules are imported inside each
command so that a command pays only for what it uses.
"""

from __future__ import annotations

import contextlib
import os
import signal
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from resource_registry.base.errors import (
    FINDINGS_SHOWN,
    ExitCode,
    FindingsError,
    RegistryError,
    UsageError,
)
from resource_registry.record._derived import RESOURCE_TYPES

if TYPE_CHECKING:
    from resource_registry.base.config import Site


class _Group(click.Group):
    """Maps expected errors to their exit codes and anything else to a bug report."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RegistryError as error:
            _echo_data(_redacted(ctx, f"resreg: {error}"), err=True)
            if isinstance(error, FindingsError):
                _echo_findings(ctx, error.findings)
            ctx.exit(error.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # the reader went away (`resreg rules | head`): not our failure
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            ctx.exit(ExitCode.OK)
        except OSError as error:  # the environment refused: disk full, read-only, no access
            where = f" ({error.filename})" if error.filename else ""
            _echo_data(_redacted(ctx, f"resreg: {error.strerror or error}{where}"), err=True)
            ctx.exit(ExitCode.USAGE)
        except Exception:
            _echo_data(_redacted(ctx, traceback.format_exc()), err=True, line_breaks=True)
            click.echo(
                "resreg: internal error; please report it with the traceback above.", err=True
            )
            ctx.exit(ExitCode.INTERNAL_ERROR)


def _echo_findings(ctx: click.Context, findings: tuple[Any, ...]) -> None:
    """The first findings that explain an error, escaped by the reporter, and a count of
    the rest."""
    from resource_registry.report import render_findings

    shown = findings[:FINDINGS_SHOWN]
    click.echo(_redacted(ctx, render_findings(shown)), err=True, nl=False)
    if len(findings) > len(shown):
        click.echo(f"and {len(findings) - len(shown):,} more", err=True)


_SECRETS = "resreg.secrets"  # in click's Context.meta, which nested commands share


def _hide(ctx: click.Context, secrets: list[str]) -> None:
    """Keep ``secrets`` out of every message and traceback this run prints."""
    ctx.meta[_SECRETS] = [*ctx.meta.get(_SECRETS, ()), *secrets]


def _redacted(ctx: click.Context, text: str) -> str:
    from resource_registry.publish.dsn import redact

    return redact(text, ctx.meta.get(_SECRETS, ()))


def _echo_data(text: str, *, err: bool = False, nl: bool = True, line_breaks: bool = False) -> None:
    """Echo text that holds data (values, paths, file contents): what a terminal could act
    on is shown escaped (see ``safetext.for_terminal``)."""
    from resource_registry.base.safetext import for_terminal

    click.echo(for_terminal(text, line_breaks=line_breaks), err=err, nl=nl)


_root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Registry root (default: the current directory or the nearest parent with data/).",
)
_jobs_option = click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: one per core).",
)
_from_option = click.option(
    "--from",
    "source",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A dataset folder (default: export the registry first).",
)


_private_option = click.option(
    "--allow-private-addresses",
    is_flag=True,
    help="Also connect to loopback, private and other non-public addresses (for tests and "
    "intranet registries); also set by `allow_private_addresses = true` under [network] "
    "in resreg.toml.",
)


def _resolve_root(root: Path | None) -> Path:
    from resource_registry.record.layout import find_root

    return find_root(root if root is not None else Path.cwd())


_allow_dirty_option = click.option(
    "--allow-dirty",
    is_flag=True,
    help="Export uncommitted changes in data/ or resreg.toml too; the manifest then says "
    "`source_dirty: true` (refused by default).",
)


@contextlib.contextmanager
def _dataset_folder(
    source: Path | None, root: Path | None, jobs: int | None, *, allow_dirty: bool = False
) -> Iterator[Path]:
    """The dataset folder given with --from, or the registry exported to a scratch one."""
    if source is not None:
        yield source
        return
    import tempfile

    from resource_registry.release.export import export

    with tempfile.TemporaryDirectory(prefix="resreg-dataset-") as scratch:
        registry = _resolve_root(root)
        yield export(registry, Path(scratch) / "dataset", jobs=jobs, allow_dirty=allow_dirty).out


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="resource-registry")
def cli() -> None:
    """Validate, format and publish a git-backed registry of web resources."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=False))
@_root_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="How to print findings.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--select",
    multiple=True,
    metavar="CODE",
    help="Report only these codes or prefixes (repeatable, e.g. --select I).",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODE",
    help="Do not report these codes or prefixes (repeatable).",
)
@_jobs_option
@click.option(
    "--base",
    metavar="REF",
    default=None,
    help="Also check history against this git ref (the pull request's target branch).",
)
@click.option(
    "--no-cache",
    "no_cache",
    is_flag=True,
    help="Check every file afresh; neither read nor write the cache.",
)
@click.option(
    "--staged",
    is_flag=True,
    help="Judge what the commit holds (the pre-commit hook): the staged content, not the "
    "work tree; report the files the commit changes and what the change causes elsewhere.",
)
@click.pass_context
def validate(
    ctx: click.Context,
    paths: tuple[str, ...],
    root: Path | None,
    output_format: str,
    strict: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    jobs: int | None,
    base: str | None,
    no_cache: bool,
    staged: bool,
) -> None:
    """Check every file of the registry; report findings under PATHS only (default: all).

    With --staged, the registry is the one git's index holds (untracked files are left
    out, and counted); findings of files the commit does not touch are summed up in one
    line and do not fail it, unless the change causes them.

    Exit status: 0 clean, 1 errors (or warnings with --strict), 2 usage error,
    3 internal error.
    """
    registry = _resolve_root(root)
    from resource_registry.base.findings import Severity
    from resource_registry.registry.validate import Options
    from resource_registry.registry.validate import validate as run_validation
    from resource_registry.report import REPORTERS, render_markdown_summary

    options = Options(
        paths=paths,
        select=_codes(select),
        ignore=_codes(ignore),
        jobs=jobs,
        cache=not no_cache,
        base=base,
    )
    if staged:
        from resource_registry.registry.staged import validate_staged

        report = validate_staged(registry, options)
    else:
        report = run_validation(registry, options)
    for note in report.notes:
        click.echo(f"resreg: {note}", err=True)
    click.echo(REPORTERS[output_format](report), nl=False)
    if output_format == "github" and (summary := os.environ.get("GITHUB_STEP_SUMMARY")):
        with open(summary, "a", encoding="utf-8") as file:
            file.write(render_markdown_summary(report))
    failing = report.count(Severity.ERROR) + (report.count(Severity.WARNING) if strict else 0)
    ctx.exit(ExitCode.FINDINGS if failing else ExitCode.OK)


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    """Codes given as repeated options, comma-separated, or both."""
    return tuple(code.strip() for value in values for code in value.split(",") if code.strip())


@cli.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="A plain list, or the Markdown table the README embeds.",
)
def rules(output_format: str) -> None:
    """List every finding code with its severity and meaning."""
    from resource_registry.base.codes import RULES, rules_markdown

    if output_format == "markdown":
        click.echo(rules_markdown(), nl=False)
        return
    for rule in RULES.values():
        click.echo(f"{rule.code}  {rule.severity.value:<7}  {rule.summary}")


@cli.command()
@_root_option
@click.option("--write", is_flag=True, help="Regenerate the files instead of checking them.")
@click.pass_context
def schemas(ctx: click.Context, root: Path | None, write: bool) -> None:
    """Check (or --write) that schemas/*.json match the models they are generated from."""
    from resource_registry.record import schemas as schema_files

    where = root if root is not None else Path.cwd()
    if write:
        for name in schema_files.write_all(where):
            click.echo(f"wrote {schema_files.SCHEMAS_DIR}/{name}")
        return
    stale = schema_files.stale(where)
    for name in stale:
        click.echo(
            f"{schema_files.SCHEMAS_DIR}/{name} is out of date; run `resreg schemas --write`"
        )
    ctx.exit(ExitCode.FINDINGS if stale else ExitCode.OK)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=False))
@_root_option
@click.option(
    "--check", is_flag=True, help="Change nothing; show diffs and fail if any file would change."
)
@click.option(
    "--no-fix", "no_fix", is_flag=True, help="Only reformat; skip the certain auto-fixes."
)
@_jobs_option
@click.pass_context
def fmt(
    ctx: click.Context,
    paths: tuple[str, ...],
    root: Path | None,
    check: bool,
    no_fix: bool,
    jobs: int | None,
) -> None:
    """Rewrite data files (default: all) in canonical form, keeping comments.

    Also applies the fixes whose result is certain: trimming text, replacing tag aliases,
    sorting and de-duplicating tags, cited_by and labels. Each fix is reported.
    """
    from resource_registry.edit import fmt as formatting

    registry = _resolve_root(root)
    results = formatting.format_files(
        registry, formatting.targets(registry, paths), fix=not no_fix, jobs=jobs
    )
    failed = False
    for result in results:
        for problem in result.problems:
            _echo_data(
                f"{problem.path}:{problem.line}:{problem.col}: {problem.code} "
                f"{problem.message} (not formatted)",
                err=True,
            )
            failed = True
        for fixed in result.fixes:
            _echo_data(f"{result.path}: {'would fix' if check else 'fixed'}: {fixed}")
        if check and result.text is not None:
            _echo_data(formatting.unified_diff(registry, result), nl=False, line_breaks=True)
    changed = [result for result in results if result.text is not None]
    if check:
        click.echo(f"{len(changed)} of {len(results)} files would be reformatted.")
        ctx.exit(ExitCode.FINDINGS if changed or failed else ExitCode.OK)
    for path in formatting.write_changes(registry, changed):
        _echo_data(f"reformatted {path}")
    ctx.exit(ExitCode.FINDINGS if failed else ExitCode.OK)


@cli.command()
@click.argument("url", required=False)
@_root_option
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
@_private_option
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
    from resource_registry.base.errors import UsageError
    from resource_registry.cache.place import registry_lock

    registry = _resolve_root(root)
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
        _echo_data(f"resreg: fixed: {fixed}", err=True)
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
        _echo_data(f"resreg: {problem}", err=True)
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
        _echo_data(f"resreg: filled {name} from {source}", err=True)
    return dict(filled.fetched), tuple(filled.notes)


def _write_summary(summary: Path | None, markdown: str) -> None:
    if summary is not None:
        from resource_registry.base.fsutil import atomic_write

        atomic_write(summary, markdown.encode())


@cli.command(name="changes")
@click.option(
    "--base",
    required=True,
    metavar="REF",
    help="Compare with this git ref (the pull request's target branch), from where HEAD's "
    "history left it: their merge base, as `validate --base` does.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="For people (text), programs (json) or a pull request comment (markdown).",
)
@_root_option
def changes_command(base: str, output_format: str, root: Path | None) -> None:
    """Summarize what the working tree changes for reviewers: resources added, modified
    (each field old -> new), retired or merged, and vocabulary changes."""
    from resource_registry.contrib.review import changes
    from resource_registry.contrib.summary import RENDERERS

    click.echo(RENDERERS[output_format](changes(_resolve_root(root), base)), nl=False)


@cli.command(name="issue-form")
@_root_option
@click.option("--write", is_flag=True, help="Regenerate the form instead of checking it.")
@click.pass_context
def issue_form(ctx: click.Context, root: Path | None, write: bool) -> None:
    """Check (or --write) the issue forms in .github/ISSUE_TEMPLATE/ (suggesting a resource,
    reporting a problem) against the models and the vocabulary files."""
    from resource_registry.contrib import issueform

    registry = _resolve_root(root)
    if write:
        for path in issueform.write(registry):
            click.echo(f"wrote {path}")
        return
    stale = issueform.stale(registry)
    for path in stale:
        click.echo(f"{path} is out of date; run `resreg issue-form --write`")
    ctx.exit(ExitCode.FINDINGS if stale else ExitCode.OK)


@cli.command(name="lookup")
@click.argument("query")
@_root_option
@click.pass_context
def lookup_command(ctx: click.Context, query: str, root: Path | None) -> None:
    """Find a resource by URL (exact or normalized), id or stable ID; exit 1 when absent."""
    from resource_registry.record import layout
    from resource_registry.registry import lookup

    registry = _resolve_root(root)
    table, retired = lookup.identities(registry), lookup.tombstones(registry)
    matches = lookup.find(query, table, retired)
    for match in matches:
        if match.path is not None:
            broken = "" if lookup.parses(registry, match.path) else "; it does not parse"
            _echo_data(f"# {match.path} ({match.how} match{broken})")
            text = layout.read_capped(registry / match.path)  # never through a link
            _echo_data(text.decode("utf-8", "replace"), nl=False, line_breaks=True)
        elif match.tombstone is not None:
            _echo_data(lookup.describe_retired(match.tombstone, table, retired))
    if not matches:
        _echo_data(f"resreg: nothing in the registry matches {query}", err=True)
    ctx.exit(ExitCode.OK if matches else ExitCode.FINDINGS)


@cli.command()
@click.argument("stable_id")
@click.option("--reason", required=True, help="Why it is retired (kept in the tombstone).")
@_root_option
def retire(stable_id: str, reason: str, root: Path | None) -> None:
    """Remove a resource and write its tombstone, data/tombstones/<xx>/STABLE_ID.yaml."""
    from resource_registry.check.tombstones import tombstone_path
    from resource_registry.edit.authoring import retire as retire_resource

    registry = _resolve_root(root)
    removed = retire_resource(registry, stable_id, reason=reason)
    click.echo(
        f"retired {stable_id}: removed {removed.relative_to(registry).as_posix()}, "
        f"tombstone written to {tombstone_path(stable_id)}"
    )


@cli.command(name="migrate-tombstones")
@_root_option
def migrate_tombstones(root: Path | None) -> None:
    """Split the old data/tombstones.yaml into one file per tombstone, then remove it."""
    from resource_registry.check.tombstones import LEGACY_FILE, migrate

    registry = _resolve_root(root)
    written = migrate(registry)
    click.echo(f"wrote {len(written):,} tombstone files in data/tombstones/, removed {LEGACY_FILE}")


@cli.command()
@click.argument("duplicate")
@click.argument("keep")
@_root_option
def merge(duplicate: str, keep: str, root: Path | None) -> None:
    """Fold DUPLICATE into KEEP and leave a tombstone that redirects to KEEP."""
    from resource_registry.edit.authoring import merge as merge_resources

    registry = _resolve_root(root)
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


_EXPORT_STEPS = (
    "validating",
    "reading records",
    "writing JSON",
    "writing CSV",
    "writing citations",
    "writing Parquet",
    "writing SQLite",
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
@_allow_dirty_option
@_root_option
@_jobs_option
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

    registry = _resolve_root(root)
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
    _echo_data(
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
        _echo_data(problem)
    click.echo(f"{folder}: " + (f"{len(problems)} problems found" if problems else "verified"))
    ctx.exit(ExitCode.FINDINGS if problems else ExitCode.OK)


@cli.command(name="check-links")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@_root_option
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
    import os
    import sys

    from resource_registry.base import config
    from resource_registry.content import archive
    from resource_registry.edit import fmt as formatting
    from resource_registry.linkcheck import checker as links
    from resource_registry.record import layout
    from resource_registry.report import render_links_json, render_links_text

    registry = _resolve_root(root)
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
    settings = links.Settings(
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


@cli.command(name="citations")
@_root_option
@click.option(
    "--pages",
    "pages_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The knowledge base's pages folder, possibly in another checkout (default: "
    "`pages` under [knowledge_base] in resreg.toml, relative to the registry root).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Change nothing and fail when a `cited_by` or data/pages.yaml differs from the "
    "pages (what happens without --write too).",
)
@click.option(
    "--write",
    is_flag=True,
    help="Rewrite the `cited_by` of resources that differ, and data/pages.yaml from the "
    "pages' front matter.",
)
@click.option(
    "--convert",
    is_flag=True,
    help="Rewrite links to registered resources in the pages into reference components.",
)
@click.option(
    "--add",
    is_flag=True,
    help="Create a resource, as `resreg new` does, for each linked URL the registry lacks.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="How to print findings.",
)
@click.pass_context
def citations_command(
    ctx: click.Context,
    root: Path | None,
    pages_dir: Path | None,
    check: bool,
    write: bool,
    convert: bool,
    add: bool,
    output_format: str,
) -> None:
    """Check that every resource's `cited_by` is what the knowledge base's pages cite.

    A page cites a resource with a reference component (`<R id="…">`, naming its stable
    ID or id) or a link to its URL. Also lists links that should be references, links to
    unregistered URLs and references to missing or retired resources. Exit 1 when errors
    remain.
    """
    from resource_registry.base import config
    from resource_registry.base.errors import UsageError
    from resource_registry.base.findings import Severity
    from resource_registry.kb import citations
    from resource_registry.registry.validate import Report
    from resource_registry.report import REPORTERS, render_markdown_summary

    if check and write:
        raise UsageError("--check and --write exclude each other")
    registry = _resolve_root(root)
    settings = config.load(registry).knowledge_base
    if pages_dir is not None:
        folder, shown = pages_dir, str(pages_dir)
    else:
        # shown like resource files, relative to the registry root
        folder = registry / settings.pages
        shown = settings.pages
    outcome = citations.run(
        registry,
        folder,
        shown,
        settings,
        citations.Options(write=write, convert=convert, add=add),
    )
    for line in citations.summary_counts(outcome):
        click.echo(f"resreg: {line}", err=True)
    report = Report(outcome.findings, outcome.pages)
    click.echo(REPORTERS[output_format](report), nl=False)
    if output_format == "github" and (summary := os.environ.get("GITHUB_STEP_SUMMARY")):
        with open(summary, "a", encoding="utf-8") as file:
            file.write(render_markdown_summary(report))
    ctx.exit(ExitCode.FINDINGS if report.count(Severity.ERROR) else ExitCode.OK)


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
@_root_option
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
@_private_option
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

    from resource_registry.record.models import SOURCE_NAMES
    from resource_registry.report import render_enrich_json, render_enrich_text
    from resource_registry.sources import enrich, filling
    from resource_registry.sources.gather import FILLABLE

    registry = _resolve_root(root)
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
@_root_option
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
@_private_option
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
    from resource_registry.record.models import SOURCE_NAMES
    from resource_registry.report import render_metadata_json, render_metadata_text
    from resource_registry.sources import checkmeta, enrich, filling

    registry = _resolve_root(root)
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


@cli.command(name="site")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the site to (replaced whole when the build succeeds).",
)
@_from_option
@_allow_dirty_option
@_jobs_option
@_root_option
def site_command(
    out: Path, source: Path | None, allow_dirty: bool, jobs: int | None, root: Path | None
) -> None:
    """Build the static, browsable site: a page per resource, search, and listings.

    With `[site] repository` in resreg.toml, each resource page links to its file's
    edit page and to the issue form for reporting a problem with it."""
    from resource_registry.release import screening
    from resource_registry.release import site as website

    settings = _site_settings(root)
    with _dataset_folder(source, root, jobs, allow_dirty=allow_dirty) as folder:
        result = website.build_site(screening.load_checked(folder), out, jobs=jobs, site=settings)
    click.echo(f"built {result.files:,} files for {result.resources:,} resources in {result.out}")


def _site_settings(root: Path | None) -> Site:
    """``[site]`` of the registry's resreg.toml; the defaults outside a registry (a site
    built from a dataset folder elsewhere)."""
    from resource_registry.base import config
    from resource_registry.base.errors import UsageError

    try:
        registry = _resolve_root(root)
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
@_from_option
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--verify-only", is_flag=True, help="Only compare the database with the dataset.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds to wait for another publish to finish.",
)
@_root_option
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

    _hide(ctx, connection_string.secrets(dsn))
    publishing.check_target(dsn, schema)  # before exporting, which takes a while
    with _dataset_folder(source, root, jobs=None) as folder:
        if verify_only:
            problems = publishing.verify_only(folder, dsn, schema=schema)
            for problem in problems:
                _echo_data(problem)
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


def main() -> None:
    """Console-script entry point."""
    # SIGTERM unwinds like Ctrl-C, so that temporary files and folders are cleaned up
    signal.signal(signal.SIGTERM, _terminate)
    cli.main(prog_name="resreg")


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":  # pragma: no cover - reason: exercised through `python -m`
    main()
