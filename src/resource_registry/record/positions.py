"""Positions in a parsed document: the node a pointer reaches, and its line and column, so
that a problem found after parsing is located without parsing the file again."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


def locate(root: Node, pointer: tuple[str | int, ...], *, on_key: bool = False) -> tuple[int, int]:
    """Return the 1-based line and column of the node at ``pointer``.

    Follows the pointer as far as the document goes: a missing key is reported at the
    mapping that should hold it. With ``on_key`` a mapping entry is located at its key.
    """
    node = root
    for index, part in enumerate(pointer):
        child = _child(node, part, on_key=on_key and index == len(pointer) - 1)
        if child is None:
            break
        node = child
    return node.start_mark.line + 1, node.start_mark.column + 1


def node_at(root: Node, pointer: tuple[str | int, ...]) -> Node | None:
    """The node at ``pointer``, or None where the document does not reach it."""
    node: Node | None = root
    for part in pointer:
        node = _child(node, part, on_key=False) if node is not None else None
    return node


def _child(node: Node, part: str | int, *, on_key: bool) -> Node | None:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == str(part):
                return key if on_key else value
    elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item: Node = node.value[part]
        return item
    return None
