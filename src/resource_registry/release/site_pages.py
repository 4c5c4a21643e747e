"""The site's pages of single resources: a page per resource (with its CSL-JSON and an
alias per resource ID), and one per retired stable ID."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final
from urllib.parse import quote, urlencode

from markupsafe import Markup

from resource_registry.base.fsutil import create_file as _write_text
from resource_registry.cite import biblatex, csl, pagemeta
from resource_registry.record.layout import PROBLEM_FORM, PROBLEM_FORM_FIELD
from resource_registry.release.dataset import Dataset
from resource_registry.release.site_render import (
    SITE_NAME,
    Record,
    Shared,
    common,
    page_info,
    template,
)
from resource_registry.release.site_safety import file_name, web_url

AUTHORS_SHOWN: Final = 3  # of a list longer than AUTHORS_IN_FULL, the rest is "and N more"
AUTHORS_IN_FULL: Final = 4


def write_resource_chunk(folder: str, shared: Shared, records: Sequence[Record]) -> list[int]:
    page, alias = template("resource.html.j2"), template("alias.html.j2")
    shared_values = common(shared, base="../")
    for record in records:
        stable_id = record["stable_id"]
        url = web_url(record.get("url"))
        html = page.render(
            **shared_values,
            r=record,
            meta_tags=pagemeta.highwire_tags(record, shared.publications, url),
            json_ld=Markup(
                pagemeta.script_json(pagemeta.resource_json_ld(record, shared.publications, url))
            ),
            bibtex=biblatex.entry(record, shared.publications),
            publication=shared.publications.get(record.get("publication", "")),
            cited_by=[page_info(shared.pages, page_id) for page_id in record.get("cited_by", ())],
            tag_names=shared.tag_names,
            authors_shown=AUTHORS_SHOWN,
            authors_in_full=AUTHORS_IN_FULL,
            repository_links=repository_links(shared.repository, shared.branch, stable_id),
        )
        name = file_name(stable_id, "stable_id")
        _write_text(Path(folder, "r", f"{name}.html"), html)
        _write_text(Path(folder, "r", f"{name}.csl.json"), _csl_file(record, shared))
        target = f"../r/{stable_id}.html"
        _write_text(
            Path(folder, "id", f"{file_name(record['id'], 'id')}.html"),
            alias.render(
                site_name=SITE_NAME, id=record["id"], target=target, title=record["title"]
            ),
        )
    return [3 * len(records)]


def _csl_file(record: Record, shared: Shared) -> str:
    return csl.csl_text([record], shared.publications)


def repository_links(repository: str, branch: str, stable_id: str) -> dict[str, str] | None:
    """The resource file's edit page and the prefilled form for reporting a problem, on
    the repository's host (GitHub's URL forms); None without a repository."""
    if not repository:
        return None
    path = f"data/resources/{stable_id[4:6].lower()}/{stable_id}.yaml"
    query = urlencode(
        {
            "template": PROBLEM_FORM.rpartition("/")[2],
            PROBLEM_FORM_FIELD: stable_id,
            "title": f"Problem with a resource: {stable_id}",
        },
        quote_via=quote,
    )
    return {
        "edit": f"{repository}/edit/{quote(branch)}/{quote(path)}",
        "report": f"{repository}/issues/new?{query}",
    }


def write_retired(folder: Path, data: Dataset, records: Sequence[Record], shared: Shared) -> int:
    """A page per retired stable ID (what happened, and where it lives on) and an alias
    for its resource ID unless a live resource has that ID."""
    page, alias = template("retired.html.j2"), template("alias.html.j2")
    live = {record["stable_id"]: record for record in records}
    live_ids = {record["id"] for record in records}
    shared_values = common(shared, base="../")
    written = 0
    for stone in sorted(data.tombstones, key=lambda s: str(s["stable_id"])):
        successor_id = data.redirects.get(stone["stable_id"])
        successor = live.get(successor_id) if successor_id else None
        html = page.render(**shared_values, stone=stone, successor=successor)
        _write_text(folder / "r" / f"{file_name(stone['stable_id'], 'stable_id')}.html", html)
        written += 1
        if stone["id"] not in live_ids:
            target = f"../r/{stone['stable_id']}.html"
            text = alias.render(
                site_name=SITE_NAME, id=stone["id"], target=target, title=stone["title"]
            )
            _write_text(folder / "id" / f"{file_name(stone['id'], 'id')}.html", text)
            written += 1
    return written
