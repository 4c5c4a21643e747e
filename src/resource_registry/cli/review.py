"""Commands for reviewers and the knowledge base: changes, issue-form, citations."""

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
    resolve_root,
    root_option,
)


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
@root_option
def changes_command(base: str, output_format: str, root: Path | None) -> None:
    """Summarize what the working tree changes for reviewers: resources added, modified
    (each field old -> new), retired or merged, and vocabulary changes."""
    from resource_registry.contrib.review import changes
    from resource_registry.contrib.summary import RENDERERS

    click.echo(RENDERERS[output_format](changes(resolve_root(root), base)), nl=False)


@cli.command(name="issue-form")
@root_option
@click.option("--write", is_flag=True, help="Regenerate the form instead of checking it.")
@click.pass_context
def issue_form(ctx: click.Context, root: Path | None, write: bool) -> None:
    """Check (or --write) the issue forms in .github/ISSUE_TEMPLATE/ (suggesting a resource,
    reporting a problem) against the models and the vocabulary files."""
    from resource_registry.contrib import issueform

    registry = resolve_root(root)
    if write:
        for path in issueform.write(registry):
            click.echo(f"wrote {path}")
        return
    stale = issueform.stale(registry)
    for path in stale:
        click.echo(f"{path} is out of date; run `resreg issue-form --write`")
    ctx.exit(ExitCode.FINDINGS if stale else ExitCode.OK)


@cli.command(name="citations")
@root_option
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
    from resource_registry.base.findings import Severity
    from resource_registry.kb import citations
    from resource_registry.registry.validate import Report
    from resource_registry.report import REPORTERS, render_markdown_summary

    if check and write:
        raise UsageError("--check and --write exclude each other")
    registry = resolve_root(root)
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
