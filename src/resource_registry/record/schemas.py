"""The JSON Schema files in ``schemas/``, generated from :mod:`resource_registry.record.models`.

The committed files are derived data: ``resreg schemas --write`` regenerates them and
``resreg schemas --check`` (run by the tests) fails when they differ from the models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema

from resource_registry.record import models

DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
SCHEMAS_DIR: Final = "schemas"


@dataclass(frozen=True, slots=True)
class SchemaFile:
    name: str
    title: str
    description: str
    adapter: TypeAdapter[Any]


SCHEMA_FILES: Final = (
    SchemaFile(
        "resource.schema.json",
        "Resource",
        "One cited web resource: `data/resources/<xx>/<stable_id>.yaml`.",
        models.RESOURCE_ADAPTER,
    ),
    SchemaFile(
        "publications.schema.json",
        "Publications",
        "Publishers and venues: `data/publications.yaml`.",
        models.PUBLICATIONS_ADAPTER,
    ),
    SchemaFile(
        "pages.schema.json",
        "Pages",
        "Knowledge-base pages that cite resources: `data/pages.yaml`.",
        models.PAGES_ADAPTER,
    ),
    SchemaFile(
        "tags.schema.json",
        "Tags",
        "The topic tag vocabulary: `data/tags.yaml`.",
        models.TAGS_ADAPTER,
    ),
    SchemaFile(
        "tombstones.schema.json",
        "Tombstones",
        "Every retired resource, forever (`tombstones.json` in a dataset; in the registry, "
        "each is its own file, `data/tombstones/<xx>/<stable_id>.yaml`).",
        models.TOMBSTONES_ADAPTER,
    ),
)


class _WithoutFieldTitles(GenerateJsonSchema):
    """Drops the titles pydantic derives from field names ("Stable Id"): noise to editors."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def generate(schema: SchemaFile) -> str:
    """The exact text of one schema file."""
    body = schema.adapter.json_schema(schema_generator=_WithoutFieldTitles)
    document = {
        "$schema": DIALECT,
        "title": schema.title,
        "description": schema.description,
        "$comment": f"Schema version {models.SCHEMA_VERSION}. Generated from "
        "resource_registry/models.py by `resreg schemas --write`; do not edit.",
        **{key: value for key, value in body.items() if key not in ("title", "description")},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_all(root: Path) -> list[str]:
    """Regenerate every schema file; return the names of those that changed."""
    changed = stale(root)
    (root / SCHEMAS_DIR).mkdir(exist_ok=True)
    for schema in SCHEMA_FILES:
        if schema.name in changed:
            (root / SCHEMAS_DIR / schema.name).write_text(generate(schema), encoding="utf-8")
    return changed


def stale(root: Path) -> list[str]:
    """Names of the schema files that are missing or differ from the models."""
    names = []
    for schema in SCHEMA_FILES:
        path = root / SCHEMAS_DIR / schema.name
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != generate(schema):
            names.append(schema.name)
    return names
