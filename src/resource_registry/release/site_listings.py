"""The site's pages that list resources: one per type, label, tag, publication and page,
the directories of those, and the index page with the dataset's citation downloads."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from markupsafe import Markup

from resource_registry.base.fsutil import create_file as _write_text
from resource_registry.cite import pagemeta
from resource_registry.cite.release import MEDIA_TYPES, WRITERS
from resource_registry.release.dataset import Dataset
from resource_registry.release.site_render import SITE_NAME, Record, Shared, common, template
from resource_registry.release.site_safety import file_name

LISTING_SIZE: Final = 200  # resources per listing page
TOP_RESOURCES: Final = 50
_FACETS: Final = (
    ("type", "Type"),
    ("label", "Label"),
    ("tag", "Tag"),
    ("publication", "Publication"),
)


@dataclass(frozen=True, slots=True)
class _Listing:
    folder: str  # types, labels, tags, publications, pages
    key: str
    heading: str
    about: str | None
    entries: list[Record]


def write_listings(folder: Path, records: Sequence[Record], data: Dataset, shared: Shared) -> int:
    groups = _group(records)
    names = {
        "tags": shared.tag_names,
        "publications": {key: p["name"] for key, p in shared.publications.items()},
        "pages": {key: p["title"] for key, p in shared.pages.items()},
    }
    about = {
        "tags": {t["id"]: t.get("description") for t in data.tags},
        "publications": {p["id"]: p.get("description") for p in data.publications},
        "pages": {},
    }
    written = 0
    for kind, by_key in groups.items():
        (folder / kind).mkdir()
        for key, entries in sorted(by_key.items()):
            heading = names.get(kind, {}).get(key, key)
            listing = _Listing(kind, key, heading, about.get(kind, {}).get(key), entries)
            written += _write_listing(folder, listing, shared)
    for kind in ("tags", "publications", "pages"):
        items = [
            {"href": f"{kind}/{key}.html", "name": name, "count": len(groups[kind].get(key, ()))}
            for key, name in sorted(names[kind].items(), key=lambda item: item[1].casefold())
        ]
        heading = {"tags": "Tags", "publications": "Publications", "pages": "Knowledge-base pages"}
        html = template("directory.html.j2").render(
            **common(shared, base=""), heading=heading[kind], items=items
        )
        # beside the folder, not in it: any slug, "index" included, may name a listing
        _write_text(folder / f"{kind}.html", html)
        written += 1
    downloads = _write_downloads(folder, data)
    _write_text(folder / "index.html", _index_page(records, groups, data, shared, downloads))
    return written + 1 + len(downloads)


def _group(records: Sequence[Record]) -> dict[str, dict[str, list[Record]]]:
    groups: dict[str, dict[str, list[Record]]] = {
        kind: defaultdict(list) for kind in ("types", "labels", "tags", "publications", "pages")
    }
    for record in records:
        groups["types"][record["type"]].append(record)
        for label in record.get("labels", ()):
            groups["labels"][label].append(record)
        for tag in record.get("tags", ()):
            groups["tags"][tag].append(record)
        if "publication" in record:
            groups["publications"][record["publication"]].append(record)
        for page in record.get("cited_by", ()):
            groups["pages"][page].append(record)
    return groups


def _write_listing(folder: Path, listing: _Listing, shared: Shared) -> int:
    listing_page = template("listing.html.j2")
    count = max(1, math.ceil(len(listing.entries) / LISTING_SIZE))
    # "~" is in no slug, type or label: page 2 of one key is never another key's page
    key = file_name(listing.key, "slug")
    names = [f"{key}.html"] + [f"{key}~{n}.html" for n in range(2, count + 1)]
    prefix = {"types": "Type", "labels": "Label", "tags": "Tag", "publications": "", "pages": ""}
    heading = f"{prefix[listing.folder]}: {listing.heading}".removeprefix(": ")
    for number, name in enumerate(names, start=1):
        html = listing_page.render(
            **common(shared, base="../"),
            heading=heading,
            about=listing.about,
            total=len(listing.entries),
            entries=listing.entries[(number - 1) * LISTING_SIZE : number * LISTING_SIZE],
            page_number=number,
            page_count=count,
            previous_page=names[number - 2] if number > 1 else None,
            next_page=names[number] if number < count else None,
        )
        _write_text(folder / listing.folder / name, html)
    return count


def _write_downloads(folder: Path, data: Dataset) -> list[tuple[str, str]]:
    """The citation files of the whole dataset, for the index page to offer; (path, media
    type) of each."""
    (folder / "download").mkdir()
    publications = {str(p.get("id")): p for p in data.publications}
    written = []
    for name, writer in WRITERS.items():
        _write_text(folder / "download" / name, writer(data.resources, publications))
        written.append((f"download/{name}", MEDIA_TYPES[name][1]))
    return written


def _index_page(
    records: Sequence[Record],
    groups: Mapping[str, Mapping[str, list[Record]]],
    data: Dataset,
    shared: Shared,
    downloads: Sequence[tuple[str, str]],
) -> str:
    def items(kind: str) -> list[dict[str, Any]]:
        return [
            {"href": f"{kind}/{key}.html", "name": key, "count": len(entries)}
            for key, entries in sorted(groups[kind].items())
        ]

    options = {
        "type": [(key, key) for key in sorted(groups["types"])],
        "label": [(key, key) for key in sorted(groups["labels"])],
        "tag": sorted(
            ((key, shared.tag_names.get(key, key)) for key in groups["tags"]),
            key=lambda o: o[1].casefold(),
        ),
        "publication": sorted(
            (
                (key, shared.publications.get(key, {}).get("name", key))
                for key in groups["publications"]
            ),
            key=lambda o: o[1].casefold(),
        ),
    }
    facets = [{"name": name, "label": label, "options": options[name]} for name, label in _FACETS]
    return template("index.html.j2").render(
        **common(shared, base=""),
        total=f"{len(records):,}",
        facets=facets,
        types=items("types"),
        labels=items("labels"),
        entries=[record for record in records if "importance" in record][:TOP_RESOURCES],
        unranked=sum("importance" not in record for record in records),
        downloads=[{"href": path, "name": path.removeprefix("download/")} for path, _ in downloads],
        json_ld=Markup(
            pagemeta.script_json(
                pagemeta.dataset_json_ld(
                    name=SITE_NAME,
                    version=shared.version,
                    resources=len(records),
                    created=str(data.manifest.get("created") or "") or None,
                    downloads=downloads,
                )
            )
        ),
    )
