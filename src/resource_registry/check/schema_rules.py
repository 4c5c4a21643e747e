"""The schema check of a data file (pydantic-core, imported on first use) and its findings,
with hints on how to write a value where the usual mistake is known."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final, NamedTuple

from yaml.nodes import Node, ScalarNode

from resource_registry.base.findings import Finding, Pointer
from resource_registry.check.file_result import Locator, pointer_text
from resource_registry.record import _derived
from resource_registry.record.layout import (
    LEGACY_TOMBSTONES,
    PAGES,
    PUBLICATIONS,
    TAGS,
    TOMBSTONES_DIR,
)
from resource_registry.record.positions import node_at
from resource_registry.record.scalars import core_scalar

if TYPE_CHECKING:
    from pydantic_core import SchemaValidator, ValidationError


_SCHEMA_CODES: Final = {
    "missing": "S001",
    "extra_forbidden": "S002",
    "string_pattern_mismatch": "S004",
    "literal_error": "S005",
    "enum": "S005",
    "greater_than": "S006",
    "greater_than_equal": "S006",
    "less_than": "S006",
    "less_than_equal": "S006",
    "string_too_short": "S007",
    "string_too_long": "S007",
    "too_short": "S007",
    "too_long": "S007",
}
_FORMAT_HINTS: Final = {
    "stable_id": "`sid_` followed by 10 letters or digits; `resreg new` mints one",
    "id": "16 lowercase hex digits: the start of sha256 of the URL",
    "url": "an absolute http(s) URL without spaces",
    "previous_urls": "an absolute http(s) URL without spaces",
    "published_date": "`YYYY`, `YYYY-MM` or `YYYY-MM-DD`, quoted",
    "retired": "`YYYY-MM-DD`, quoted",
    "checked_at": "`YYYY-MM-DDTHH:MM:SSZ`, quoted",
    "tags": "lowercase words joined by `-`",
    "cited_by": "lowercase words joined by `-`",
    "publication": "lowercase words joined by `-`",
}


def resource_validator() -> SchemaValidator:
    """The schema of a resource record, from the generated core schema when it was made
    with the installed pydantic-core (then pydantic itself is never loaded), else built
    by pydantic from the models."""
    return resource_schema().validator


class Schema(NamedTuple):
    validator: SchemaValidator
    error: type[ValidationError]


@functools.cache
def resource_schema() -> Schema:
    """The resource validator and the error type it raises."""
    # pydantic-core is imported on first use (about 50 ms): commands that only read
    # identities never load it
    import pydantic_core  # noqa: PLC0415 - reason: see above

    return Schema(core_validator("resource"), pydantic_core.ValidationError)


def core_validator(name: str) -> SchemaValidator:
    """The validator of one of ``models.ADAPTERS`` (``"resource"``, ``"tags"``...): from
    the generated core schema when it was made with the installed pydantic-core (then
    pydantic itself is never loaded), else built by pydantic from the models."""
    import pydantic_core  # noqa: PLC0415 - reason: imported on first use, as above

    if pydantic_core.__version__ == _derived.PYDANTIC_CORE_VERSION:
        return pydantic_core.SchemaValidator(_derived.core_schemas()[name])
    from resource_registry.record.models import ADAPTERS  # noqa: PLC0415 - reason: pydantic

    return pydantic_core.SchemaValidator(ADAPTERS[name].core_schema)


def schema_findings(
    located: Locator, error: ValidationError, *, drop: int = 0
) -> Iterator[Finding]:
    """One finding per schema error, located at the offending node, with a hint on how to
    write the value where the usual mistake is known; ``drop`` leading parts of each
    error's location are left out (a file validated as a list of one)."""
    for detail in error.errors(include_url=False, include_context=True, include_input=False):
        pointer: Pointer = tuple(detail["loc"])[drop:]
        kind = detail["type"]
        code = _SCHEMA_CODES.get(kind, "S003")
        where = pointer_text(pointer)
        if kind == "missing":
            yield located.at(code, pointer[:-1], f"missing required field `{pointer[-1]}`")
        elif kind == "extra_forbidden":
            yield located.at(
                code,
                pointer,
                f"unknown field `{pointer[-1]}`",
                _unknown_field_hint(located.path, pointer),
                on_key=True,
            )
        else:
            message = detail["msg"]
            field = next((part for part in reversed(pointer) if isinstance(part, str)), "")
            node = node_at(located.root, pointer)
            if code == "S004":
                hint = _FORMAT_HINTS.get(field)
            elif code == "S005":
                hint = _closest_hint(node, detail.get("ctx", {}).get("expected", ""))
            elif code == "S003":
                hint = _type_hint(kind, pointer, node)
            else:
                hint = None
            yield located.at(code, pointer, f"`{where}`: {message[0].lower()}{message[1:]}", hint)


# The record type of each vocabulary file's entries, and the schema that describes it
# (`schemas/<name>.schema.json`); anything else is a resource.
ENTRY_TYPES: Final = {
    PUBLICATIONS: ("Publication", "publications"),
    PAGES: ("Page", "pages"),
    TAGS: ("Tag", "tags"),
    LEGACY_TOMBSTONES: ("Tombstone", "tombstones"),
}


def _unknown_field_hint(path: str, pointer: Pointer) -> str:
    """Did you mean, among the fields of the mapping that holds the unknown one."""
    if path.startswith(TOMBSTONES_DIR + "/"):
        model, schema_name = ("Tombstone", "tombstones")
    else:
        model, schema_name = ENTRY_TYPES.get(path, ("Resource", "resource"))
    if model == "Resource" and [part for part in pointer[:-1] if isinstance(part, str)] == [
        "fetch"
    ]:
        model = "Fetch"
    fields = _derived.FIELD_ORDER[model]
    schema = f"schemas/{schema_name}.schema.json"
    import difflib  # noqa: PLC0415 - reason: only a misspelt field or value needs it

    close = difflib.get_close_matches(str(pointer[-1]).lower(), fields, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`? (`{schema}` describes every field)"
    return f"the fields are {', '.join(f'`{name}`' for name in fields)} (see `{schema}`)"


_ALLOWED: Final = re.compile(r"'([^']*)'")


def _closest_hint(node: Node | None, expected: str) -> str | None:
    """Did you mean, among the allowed values (`Blog` is `blog`)."""
    if not isinstance(node, ScalarNode) or not expected:
        return None
    allowed = _ALLOWED.findall(expected)
    value = node.value
    same = [choice for choice in allowed if choice.lower() == value.strip().lower()]
    import difflib  # noqa: PLC0415 - reason: only a misspelt field or value needs it

    close = same or difflib.get_close_matches(value.lower(), allowed, n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def _type_hint(kind: str, pointer: Pointer, node: Node | None) -> str | None:
    """How to write a value YAML read as the wrong type: a number meant as text is
    quoted, a number written in quotes loses them."""
    if not isinstance(node, ScalarNode):
        return None
    lead = f"{pointer[-1]}: " if isinstance(pointer[-1], str) else "- "
    if (
        kind == "string_type"
        and not node.style
        and isinstance(core_scalar(node.value), int | float)
    ):
        return f"YAML reads `{node.value}` as a number; quote it: `{lead}'{node.value}'`"
    if kind == "int_type" and node.style in ("'", '"') and _WHOLE_NUMBER.fullmatch(node.value):
        return f"a number is written without quotes: `{lead}{int(node.value)}`"
    return None


_WHOLE_NUMBER: Final = re.compile(r"[-+]?[0-9]+")


def schema_code(kind: str) -> str:
    """The finding code of a pydantic-core error type (``missing`` is S001...)."""
    return _SCHEMA_CODES.get(kind, "S003")
