"""The generated JSON Schemas: well-formed, documented, and in agreement with the models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydantic_core
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from conftest import FIXTURES, PROJECT_ROOT
from resource_registry.check.schema_rules import resource_validator
from resource_registry.record import _derived
from resource_registry.record.constraints import RESOURCE_TYPES
from resource_registry.record.derivation import core_schemas, field_orders, resource_columns
from resource_registry.record.models import RESOURCE_ADAPTER
from resource_registry.record.reader import Document, read_document

SCHEMA_FILES = sorted((PROJECT_ROOT / "schemas").glob("*.schema.json"))
RESOURCE_SCHEMA = json.loads((PROJECT_ROOT / "schemas/resource.schema.json").read_text())
RESOURCE_VALIDATOR = Draft202012Validator(RESOURCE_SCHEMA)


def _properties(schema: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        for name, value in schema.get("properties", {}).items():
            yield f"{where}.{name}", value
        for key, value in schema.items():
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for item in schema:
            yield from _properties(item, where)


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda path: path.name)
def test_schema_is_valid_draft_2020_12(path: Path) -> None:
    schema = json.loads(path.read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda path: path.name)
def test_every_field_has_a_description(path: Path) -> None:
    schema = json.loads(path.read_text())
    undocumented = [name for name, body in _properties(schema) if not body.get("description")]
    assert undocumented == []


# Keywords that YAML language servers (and every draft 2020-12 validator) understand.
EDITOR_KEYWORDS = {
    "$schema",
    "$comment",
    "$defs",
    "$ref",
    "title",
    "description",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
}


def _keywords(schema: Any, inside_properties: bool = False) -> Iterator[str]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if not inside_properties:
                yield key
            yield from _keywords(
                value, inside_properties=key in ("properties", "$defs") and not inside_properties
            )
    elif isinstance(schema, list):
        for item in schema:
            yield from _keywords(item)


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda path: path.name)
def test_schema_uses_only_keywords_editors_understand(path: Path) -> None:
    assert set(_keywords(json.loads(path.read_text()))) <= EDITOR_KEYWORDS


def test_editor_settings_map_every_schema() -> None:
    settings = json.loads((PROJECT_ROOT / ".vscode/settings.json").read_text())
    mapped = {Path(schema).name for schema in settings["yaml.schemas"]}
    assert mapped == {path.name for path in SCHEMA_FILES}


def _load(path: Path) -> object:
    parsed = read_document(path.read_bytes())
    assert isinstance(parsed, Document)
    return parsed.data


@pytest.mark.parametrize("path", sorted((FIXTURES / "good").glob("*.yaml")), ids=lambda p: p.name)
def test_good_fixtures_pass_the_json_schema(path: Path) -> None:
    assert list(RESOURCE_VALIDATOR.iter_errors(_load(path))) == []


def test_starter_registry_passes_check_with_plain_jsonschema() -> None:
    for path in (PROJECT_ROOT / "data/resources").rglob("*.yaml"):
        assert list(RESOURCE_VALIDATOR.iter_errors(_load(path))) == [], path


_texts = st.one_of(st.text(max_size=8), st.sampled_from(["", " ", "x", "2018", "sid_0123456789"]))
_values = st.one_of(
    _texts,
    st.integers(min_value=-5, max_value=120),
    st.booleans(),
    st.none(),
    st.lists(_texts, max_size=3),
)
_base = {
    "stable_id": "sid_Fx00000001",
    "id": "b5b10dd0429e69ac",
    "url": "https://example.org/a",
    "title": "A title",
    "type": "paper",
}
_fields = st.sampled_from(
    [
        *_base,
        "publication",
        "published_date",
        "importance",
        "labels",
        "summary",
        "tags",
        "authors",
        "previous_urls",
        "unknown_field",
    ]
)
_special = st.sampled_from(
    [("type", t) for t in RESOURCE_TYPES]
    + [
        ("published_date", "2018-02"),
        ("importance", 0),
        ("importance", 100),
        ("labels", ["preprint"]),
        ("tags", ["a-b"]),
        ("tags", []),
        ("url", "ftp://x"),
    ]
)


@st.composite
def _records(draw: st.DrawFn) -> dict[str, object]:
    """The base record with up to two fields removed and up to four set, often wrongly."""
    removed = draw(st.sets(st.sampled_from(list(_base)), max_size=2))
    changes = draw(st.lists(st.one_of(st.tuples(_fields, _values), _special), max_size=4))
    record: dict[str, object] = {k: v for k, v in _base.items() if k not in removed}
    record.update(changes)
    return record


@given(record=_records())
def test_pydantic_model_and_json_schema_agree(record: dict[str, object]) -> None:
    schema_accepts = RESOURCE_VALIDATOR.is_valid(record)
    try:
        RESOURCE_ADAPTER.validate_python(record)
    except ValidationError:
        model_accepts = False
    else:
        model_accepts = True
    assert model_accepts == schema_accepts, record


def test_the_derived_facts_are_the_models() -> None:
    """`_derived.py` is generated from the models (`scripts/generate-derived`). Its core
    schema is used only with the pydantic-core it was made with; with another, the
    validator is built from the models instead."""
    stale = "src/resource_registry/record/_derived.py is out of date: run scripts/generate-derived"
    assert _derived.RESOURCE_TYPES == RESOURCE_TYPES, stale
    assert field_orders() == _derived.FIELD_ORDER, stale
    assert resource_columns() == _derived.RESOURCE_COLUMNS, stale
    if pydantic_core.__version__ == _derived.PYDANTIC_CORE_VERSION:
        assert core_schemas() == _derived.core_schemas(), stale
    else:  # then the records module must not use it
        assert resource_validator().title == RESOURCE_ADAPTER.validator.title


@given(record=_records())
def test_the_validator_in_use_reports_what_the_models_do(record: dict[str, object]) -> None:
    assert _errors(resource_validator(), record) == _errors(RESOURCE_ADAPTER.validator, record)


def _errors(validator: Any, record: object) -> list[Any] | None:
    try:
        validator.validate_python(record)
    except ValidationError as error:
        return error.errors(include_url=False)
    return None


def test_field_lists_elsewhere_name_only_fields_of_the_models() -> None:
    """The lists that pick some fields (the legacy import's kept keys, the merge's
    fields) are policies over the models' fields; each must name real fields, and the
    tabular formats have one column per field."""
    from resource_registry.edit import authoring, legacy_import  # noqa: PLC0415 - reason: one test
    from resource_registry.release.formats import COLUMN_NAMES  # noqa: PLC0415 - reason: as above

    fields = set(field_orders()["Resource"])
    assert (*field_orders()["Resource"], "created", "modified") == COLUMN_NAMES
    assert fields >= legacy_import.KEPT
    assert set(authoring._UNION_FIELDS) <= fields
    assert set(authoring._TEXT_FIELDS) <= fields
