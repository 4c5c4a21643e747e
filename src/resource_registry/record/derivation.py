"""What ``scripts/generate-derived`` writes into ``_derived.py``, computed from the models:
the core schemas, the field orders and the resource fields as columns."""

from __future__ import annotations

from typing import Any

from resource_registry.record.models import (
    ADAPTERS,
    Fetch,
    Page,
    Publication,
    Resource,
    Sources,
    Tag,
    Tombstone,
)


def core_schemas() -> dict[str, dict[str, Any]]:
    """The pydantic-core schema of each of :data:`ADAPTERS`, as plain data: what
    ``resource_registry.record._derived`` holds (``scripts/generate-derived`` writes it).
    Left out: ``cls`` (the TypedDict classes themselves) and ``metadata`` (what the JSON
    Schema is made from), which pydantic-core does not use to validate; references lose
    the ``:<object id>`` pydantic appends, which changes from one process to the next."""
    return {name: _validation_only(adapter.core_schema) for name, adapter in ADAPTERS.items()}


def field_orders() -> dict[str, tuple[str, ...]]:
    """The fields of each record type, in the order they are written (canonical form)."""
    records = (Resource, Fetch, Sources, Publication, Page, Tag, Tombstone)
    return {record.__name__: tuple(record.__annotations__) for record in records}


def resource_columns() -> tuple[tuple[str, str, bool], ...]:
    """Each resource field as a column of the tabular formats: its name, its Table Schema
    type (``string``, ``integer``, ``number``, ``boolean``, ``array`` or ``object``; a
    nested record is an ``object``) and whether it is required, in canonical order."""
    schema = ADAPTERS["resource"].json_schema()
    required = set(schema.get("required", ()))
    return tuple(
        (name, str(spec.get("type", "object")), name in required)
        for name, spec in schema["properties"].items()
    )


def _validation_only(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _stable_ref(item) if key in ("ref", "schema_ref") else _validation_only(item)
            for key, item in value.items()
            if key not in ("cls", "metadata")
        }
    if isinstance(value, list):
        return [_validation_only(item) for item in value]
    return value


def _stable_ref(ref: str) -> str:
    name, _, object_id = ref.rpartition(":")
    return name if object_id.isdigit() else ref
