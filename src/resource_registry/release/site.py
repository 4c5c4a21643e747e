"""``resreg site``: a static, browsable site built from a released dataset.

Layout (every link is relative, so the site works from any base path, and can be browsed
from disk; search needs it served over HTTP)::

    index.html                    search, filters, browse by type and label, top resources
    r/<stable_id>.html            a page per resource, and one per retired stable ID
    id/<id>.html                  an alias per resource ID, pointing at its page
    types/ labels/ tags/ publications/ pages/   a listing per value (<key>.html, <key>~2.html...)
    tags.html publications.html pages.html      every value of those, with counts
    search/                       the split search index (see static/search.js)
    static/                       style.css, search.js
    site.json                     what was built from which dataset
    resreg-output.json            the mark that lets the next build replace this folder

The same dataset gives the same bytes: everything is sorted and the only dates are the
dataset's. The site is built in a temporary folder and swapped into place when complete.

A dataset may come from anyone, so the site trusts none of its values: every file name is
made from an ID that matches its pattern (a build with any other name is refused before
anything is written), only http(s) URLs become links (any other is shown as inert text),
and every value reaches a page through the templates' autoescaping.

This module orders the build; the pages are written by ``site_pages`` (one resource),
``site_listings`` (many) and ``site_search``, through ``site_render`` and ``site_safety``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from importlib import resources as package_files
from pathlib import Path
from typing import Any, Final

from resource_registry.base.config import Site
from resource_registry.base.fsutil import create_file as _write_text
from resource_registry.base.fsutil import replacing_folder
from resource_registry.base.parallel import map_chunks
from resource_registry.release import origin
from resource_registry.release.dataset import Dataset
from resource_registry.release.site_listings import write_listings
from resource_registry.release.site_pages import write_resource_chunk, write_retired
from resource_registry.release.site_render import Record, Shared
from resource_registry.release.site_safety import refuse_unsafe_names
from resource_registry.release.site_search import write_search_index

MARKER: Final = "site.json"


@dataclass(frozen=True, slots=True)
class SiteResult:
    out: Path
    resources: int
    files: int


def build_site(
    data: Dataset, out: Path, *, jobs: int | None = None, site: Site | None = None
) -> SiteResult:
    """Write the whole site for ``data`` to ``out``, replacing an earlier site there.
    With ``site.repository``, each resource page links to its file's edit page and to the
    issue form for reporting a problem with it."""
    out = out.resolve()
    refuse_unsafe_names(data)
    owned = partial(origin.is_ours, kind="site")
    with replacing_folder(out, owned=owned, kind="a site built by resreg") as staging:
        files = _write_site(data, staging, jobs, site or Site())
    return SiteResult(out, len(data.resources), files)


def _write_site(data: Dataset, folder: Path, jobs: int | None, site: Site) -> int:
    records = _by_importance(data.resources)
    shared = Shared(
        publications={p["id"]: p for p in data.publications},
        pages={p["id"]: p for p in data.pages},
        tag_names={t["id"]: t.get("name", t["id"]) for t in data.tags},
        version=str(data.manifest.get("dataset_version", "")),
        commit=str(data.manifest.get("source_commit", "")),
        dirty=_is_dirty(data.manifest),
        repository=site.repository,
        branch=site.branch,
    )
    for name in ("r", "id"):
        (folder / name).mkdir()
    written = sum(map_chunks(partial(write_resource_chunk, str(folder), shared), records, jobs))
    written += write_retired(folder, data, records, shared)
    written += write_listings(folder, records, data, shared)
    written += write_search_index(folder, records, shared)
    written += _copy_static(folder)
    built = {
        "dataset_version": shared.version,
        "source_commit": shared.commit,
        "resources": len(records),
        "retired": len(data.tombstones),
        "files": written + 2,
    }
    _write_text(folder / MARKER, _json(built | ({"source_dirty": True} if shared.dirty else {})))
    _write_text(folder / origin.MARK, origin.mark_text("site", built))
    return written + 2


def _is_dirty(manifest: Mapping[str, Any]) -> bool:
    """Whether the dataset says it was exported from uncommitted changes. Without the key it
    is clean; any value but ``false`` counts as dirty, so that a site never claims more."""
    return "source_dirty" in manifest and manifest["source_dirty"] is not False


def _by_importance(resources: Iterable[Record]) -> list[Record]:
    """The order of every listing and of search: most important first; at equal importance
    (or none), cited by more knowledge-base pages first; then by title. Resources without an
    importance come last."""
    return sorted(
        resources,
        key=lambda r: (
            -r.get("importance", -1),
            -len(r.get("cited_by", ())),
            r["title"].casefold(),
            r["stable_id"],
        ),
    )


def _copy_static(folder: Path) -> int:
    static = folder / "static"
    static.mkdir()
    names = ("search.js", "style.css")
    for name in names:
        source = package_files.files("resource_registry").joinpath("static", name)
        _write_text(static / name, source.read_text(encoding="utf-8"))
    return len(names)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False) + "\n"
