"""`--help` is complete, and the README's synopses match the commands."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from conftest import PROJECT_ROOT
from resource_registry.cli import cli
from resource_registry.record._derived import RESOURCE_TYPES

# Described once in the README, not in every synopsis.
_SHARED: frozenset[str] = frozenset({"--root", "--help", "-h"})


def _commands(group: click.Group = cli, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            yield from _commands(command, path + " ")
        else:
            yield path, command


COMMANDS = dict(_commands())


def _options(command: click.Command) -> set[str]:
    return {
        name
        for param in command.params
        if isinstance(param, click.Option)
        for name in param.opts
        if name.startswith("--")
    }


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_has_a_description(name: str) -> None:
    command = COMMANDS[name]
    assert command.help, f"`resreg {name}` has no description"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"`resreg {name} {param.opts[0]}` has no help text"
            assert "(required)" not in param.help, f"`{param.opts[0]}` says required twice"


def test_every_group_option_has_a_description() -> None:
    for param in cli.params:
        if isinstance(param, click.Option):
            assert param.help, param.opts


def test_new_help_lists_the_types() -> None:
    result = CliRunner().invoke(cli, ["new", "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "|".join(RESOURCE_TYPES) in result.stdout.replace("\n", "").replace(" ", "")
    assert "(required)" not in result.stdout


def _synopses() -> dict[str, set[str]]:
    """The options each command shows in the README's shell blocks."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    shown: dict[str, set[str]] = {name: set() for name in COMMANDS}
    for block in re.findall(r"```sh\n(.*?)```", readme, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            match = re.match(r"\s*resreg ((?:publish )?[a-z-]+)(.*)", line)
            if match and match[1] in shown:
                code = match[2].split("  #")[0]
                shown[match[1]] |= set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", code))
    return shown


def test_the_readme_shows_every_command_with_its_real_options() -> None:
    shown = _synopses()
    for name, command in COMMANDS.items():
        options, synopsis = _options(command) - _SHARED, shown[name] - _SHARED
        assert synopsis - options == set(), f"README shows options `resreg {name}` lacks"
        assert options - synopsis == set(), f"README's synopsis of `resreg {name}` lacks"


def test_developing_names_every_module_and_the_readme_points_to_it() -> None:
    developing = (PROJECT_ROOT / "DEVELOPING.md").read_text()
    package = PROJECT_ROOT / "src" / "resource_registry"
    modules = {
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if path.name not in ("__init__.py", "__main__.py")
    }
    assert {name for name in modules if f"`{name}`" not in developing} == set()
    rooms = {path.parent.name for path in package.glob("*/__init__.py")}
    assert {room for room in rooms if f"`{room}/`" not in developing} == set()
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert "DEVELOPING.md" in readme
    assert "RACY_NS" not in readme  # the cache's internals live in DEVELOPING.md
    assert "RACY_NS" in developing
