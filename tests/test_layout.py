"""The package's rooms and the direction of their imports.

Each subpackage is a room with one purpose (its docstring says which). Rooms are ranked
from the foundation up; a module imports only from its own room and rooms below it, and
the top-level modules (the command line, the reporters, the public faces) sit above all
rooms. A new room must be ranked here, which is where its place in the architecture is
decided. The graph comes from the source's import statements, lazy imports included."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "src" / "resource_registry"

# lowest first: a room may import from the rooms before it
ROOMS = [
    "base",
    "net",
    "record",
    "check",
    "cache",
    "registry",
    "content",
    "edit",
    "sources",
    "linkcheck",
    "kb",
    "cite",
    "release",
    "publish",
    "contrib",
]
TOP = len(ROOMS)
# the command line is a face, above every room, though it is a package
FACES = frozenset({"cli"})


def _rank(module: str) -> int:
    """The rank of ``resource_registry.<room>[.<module>]`` (top-level modules rank above
    every room)."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ROOMS:
        return ROOMS.index(parts[1])
    return TOP


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "resource_registry":
                found.update(f"resource_registry.{alias.name}" for alias in node.names)
            elif node.module.startswith("resource_registry."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("resource_registry."))
    return found


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_room_is_ranked_and_says_what_it_holds() -> None:
    rooms = {path.parent.name for path in PACKAGE.glob("*/__init__.py")} - FACES
    assert rooms - set(ROOMS) == set(), "rank the new room in ROOMS"
    for room in rooms:
        docstring = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text()))
        assert docstring, f"{room}/__init__.py says what the room holds"


def test_no_module_imports_from_a_room_above_its_own() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        for imported in _imports(path):
            if _rank(imported) > _rank(module) and _rank(module) != TOP:
                upward.append(f"{module} imports {imported}")
    assert upward == []


def test_the_checker_sees_an_upward_import() -> None:
    assert _rank("resource_registry.base.errors") < _rank("resource_registry.record.models")
    assert _rank("resource_registry.release.export") > _rank("resource_registry.check.history")
    assert _rank("resource_registry.cli") == TOP


def test_the_consumer_api_is_public_and_stays_where_the_readme_says() -> None:
    import resource_registry  # noqa: PLC0415 - reason: the import is what is tested
    from resource_registry import dataset  # noqa: PLC0415 - reason: as above
    from resource_registry.release import dataset as inside  # noqa: PLC0415 - reason: as above

    assert "dataset" in resource_registry.__all__
    assert resource_registry.dataset is dataset
    assert set(dataset.__all__) == set(inside.__all__)
    assert all(getattr(dataset, name) is getattr(inside, name) for name in dataset.__all__)
