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
from typing import Any

import click

from resource_registry._derived import RESOURCE_TYPES
from resource_registry.errors import ExitCode, RegistryError, UsageError


class _Group(click.Group):
    """Maps expected errors to their exit codes and anything else to a bug report."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RegistryError as error:
            _echo_data(_redacted(ctx, f"resreg: {error}"), err=True)
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


_SECRETS = "resreg.secrets"  # in click's Context.meta, which nested commands share


def _hide(ctx: click.Context, secrets: list[str]) -> None:
    """Keep ``secrets`` out of every message and traceback this run prints."""
    ctx.meta[_SECRETS] = [*ctx.meta.get(_SECRETS, ()), *secrets]


def _redacted(ctx: click.Context, text: str) -> str:
    from resource_registry.dsn import redact

    return redact(text, ctx.meta.get(_SECRETS, ()))


def _echo_data(text: str, *, err: bool = False, nl: bool = True, line_breaks: bool = False) -> None:
    """Echo text that holds data (values, paths, file contents): what a terminal could act
    on is shown escaped (see ``safetext.for_terminal``)."""
    from resource_registry.safetext import for_terminal

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


def _resolve_root(root: Path | None) -> Path:
    from resource_registry.layout import find_root

    return find_root(root if root is not None else Path.cwd())


@contextlib.contextmanager
def _dataset_folder(source: Path | None, root: Path | None, jobs: int | None) -> Iterator[Path]:
    """The dataset folder given with --from, or the registry exported to a scratch one."""
    if source is not None:
        yield source
        return
    import tempfile

    from resource_registry.export import export

    with tempfile.TemporaryDirectory(prefix="resreg-dataset-") as scratch:
        yield export(_resolve_root(root), Path(scratch) / "dataset", jobs=jobs).out


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
    help="Check every file afresh; neither read nor write .resreg-cache/.",
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
) -> None:
    """Check every file of the registry; report findings under PATHS only (default: all).

    Exit status: 0 clean, 1 errors (or warnings with --strict), 2 usage error,
    3 internal error.
    """
    from resource_registry import worktree

    registry = _resolve_root(root)
    with worktree.listing_started(registry) if not no_cache else contextlib.nullcontext():
        from resource_registry.findings import Severity
        from resource_registry.report import REPORTERS, render_markdown_summary
        from resource_registry.validation import Options
        from resource_registry.validation import validate as run_validation

        options = Options(
            paths=paths,
            select=_codes(select),
            ignore=_codes(ignore),
            jobs=jobs,
            cache=not no_cache,
            base=base,
        )
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
    from resource_registry.codes import RULES, rules_markdown

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
    from resource_registry import schemas as schema_files

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
    from resource_registry import formatting

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
@click.argument("url")
@_root_option
@click.option("--title", required=True, help="The resource's title.")
@click.option(
    "--type",
    "type_",
    type=click.Choice(RESOURCE_TYPES, case_sensitive=False),
    default="web",
    show_default=True,
    help="What kind of resource it is.",
)
@click.option("--tag", "tags", multiple=True, help="A tag from data/tags.yaml (repeatable).")
@click.option(
    "--cited-by", "cited_by", multiple=True, help="A page from data/pages.yaml (repeatable)."
)
@click.pass_context
def new(
    ctx: click.Context,
    url: str,
    root: Path | None,
    title: str,
    type_: str,
    tags: tuple[str, ...],
    cited_by: tuple[str, ...],
) -> None:
    """Add a resource for URL: mint its IDs and write its file; print the path.

    The record is checked by the same rules as `resreg validate` first. Certain fixes
    are applied and reported (the URL's scheme and host lower-cased, its fragment
    dropped); an error writes nothing. Exit 1 if the record has errors or the URL is
    already in the registry (exactly or after normalization).
    """
    from resource_registry import worktree
    from resource_registry.cachefile import registry_lock

    registry = _resolve_root(root)
    # git lists the changes while the rest loads; under the lock, so that it sees the
    # files of a `new` that ran just before
    with registry_lock(registry), worktree.listing_started(registry):
        from resource_registry.authoring import new_resource

        made = new_resource(registry, url, title=title, type_=type_, tags=tags, cited_by=cited_by)
    from resource_registry.report import render_findings

    for fixed in made.fixes:
        click.echo(f"resreg: fixed: {fixed}", err=True)
    click.echo(render_findings(made.findings), nl=False, err=True)
    if made.path is None:
        click.echo("resreg: nothing was written; fix the arguments and run `new` again", err=True)
        ctx.exit(ExitCode.FINDINGS)
    click.echo(made.path.relative_to(registry).as_posix())


@cli.command(name="lookup")
@click.argument("query")
@_root_option
@click.pass_context
def lookup_command(ctx: click.Context, query: str, root: Path | None) -> None:
    """Find a resource by URL (exact or normalized), id or stable ID; exit 1 when absent."""
    from resource_registry import layout, worktree

    registry = _resolve_root(root)
    with worktree.listing_started(registry):
        from resource_registry import lookup

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
    from resource_registry.authoring import retire as retire_resource
    from resource_registry.tombstones import tombstone_path

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
    from resource_registry.tombstones import LEGACY_FILE, migrate

    registry = _resolve_root(root)
    written = migrate(registry)
    click.echo(f"wrote {len(written):,} tombstone files in data/tombstones/, removed {LEGACY_FILE}")


@cli.command()
@click.argument("duplicate")
@click.argument("keep")
@_root_option
def merge(duplicate: str, keep: str, root: Path | None) -> None:
    """Fold DUPLICATE into KEEP and leave a tombstone that redirects to KEEP."""
    from resource_registry.authoring import merge as merge_resources

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
    from resource_registry.legacy import import_legacy
    from resource_registry.report import render_import_summary
    from resource_registry.validation import Options
    from resource_registry.validation import validate as run_validation

    summary = import_legacy(list(files), into, publications=publications, pages=pages)
    report = run_validation(into, Options())
    click.echo(render_import_summary(into, summary, report), nl=False)


_EXPORT_STEPS = (
    "validating",
    "reading records",
    "writing JSON",
    "writing CSV",
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
@_root_option
@_jobs_option
def export_command(
    out: Path, version: str | None, previous: Path | None, root: Path | None, jobs: int | None
) -> None:
    """Compile the registry into a versioned dataset; refuses if validation finds errors."""
    import sys

    from resource_registry.export import export

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
                progress=lambda step: bar.update(1, step),
            )
    else:
        result = export(registry, out, version=version, previous=previous, jobs=jobs)
    click.echo(
        f"exported {result.resources:,} resources to {result.out} ({len(result.files)} files)"
    )


@cli.command(name="verify")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_context
def verify_command(ctx: click.Context, folder: Path) -> None:
    """Check a dataset against its checksums and manifest, and its formats against each other."""
    from resource_registry.dataset import verify

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

    from resource_registry import config, formatting, layout, links
    from resource_registry.content import archive
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


@cli.command(name="site")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the site to (replaced whole when the build succeeds).",
)
@_from_option
@_jobs_option
@_root_option
def site_command(out: Path, source: Path | None, jobs: int | None, root: Path | None) -> None:
    """Build the static, browsable site: a page per resource, search, and listings."""
    from resource_registry import dataset, website

    with _dataset_folder(source, root, jobs) as folder:
        result = website.build_site(dataset.load_all(folder), out, jobs=jobs)
    click.echo(f"built {result.files:,} files for {result.resources:,} resources in {result.out}")


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
    from resource_registry import dsn as connection_string
    from resource_registry import publish as publishing

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
