"""Commands that check the registry: validate, rules, schemas, fmt, lookup."""

from __future__ import annotations

import os
from pathlib import Path

import click

from resource_registry.base.errors import ExitCode
from resource_registry.cli.common import (
    cli,
    echo_data,
    jobs_option,
    resolve_root,
    root_option,
)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=False))
@root_option
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
@jobs_option
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
    registry = resolve_root(root)
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
@root_option
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
@root_option
@click.option(
    "--check", is_flag=True, help="Change nothing; show diffs and fail if any file would change."
)
@click.option(
    "--no-fix", "no_fix", is_flag=True, help="Only reformat; skip the certain auto-fixes."
)
@jobs_option
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

    registry = resolve_root(root)
    results = formatting.format_files(
        registry, formatting.targets(registry, paths), fix=not no_fix, jobs=jobs
    )
    failed = False
    for result in results:
        for problem in result.problems:
            echo_data(
                f"{problem.path}:{problem.line}:{problem.col}: {problem.code} "
                f"{problem.message} (not formatted)",
                err=True,
            )
            failed = True
        for fixed in result.fixes:
            echo_data(f"{result.path}: {'would fix' if check else 'fixed'}: {fixed}")
        if check and result.text is not None:
            echo_data(formatting.unified_diff(registry, result), nl=False, line_breaks=True)
    changed = [result for result in results if result.text is not None]
    if check:
        click.echo(f"{len(changed)} of {len(results)} files would be reformatted.")
        ctx.exit(ExitCode.FINDINGS if changed or failed else ExitCode.OK)
    for path in formatting.write_changes(registry, changed):
        echo_data(f"reformatted {path}")
    ctx.exit(ExitCode.FINDINGS if failed else ExitCode.OK)


@cli.command(name="lookup")
@click.argument("query")
@root_option
@click.pass_context
def lookup_command(ctx: click.Context, query: str, root: Path | None) -> None:
    """Find a resource by URL (exact or normalized), id or stable ID; exit 1 when absent."""
    from resource_registry.record import layout
    from resource_registry.registry import lookup

    registry = resolve_root(root)
    table, retired = lookup.identities(registry), lookup.tombstones(registry)
    matches = lookup.find(query, table, retired)
    for match in matches:
        if match.path is not None:
            broken = "" if lookup.parses(registry, match.path) else "; it does not parse"
            echo_data(f"# {match.path} ({match.how} match{broken})")
            text = layout.read_capped(registry / match.path)  # never through a link
            echo_data(text.decode("utf-8", "replace"), nl=False, line_breaks=True)
        elif match.tombstone is not None:
            echo_data(lookup.describe_retired(match.tombstone, table, retired))
    if not matches:
        echo_data(f"resreg: nothing in the registry matches {query}", err=True)
    ctx.exit(ExitCode.OK if matches else ExitCode.FINDINGS)
