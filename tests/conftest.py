"""Shared helpers: temporary registries built from the fixture base."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from resource_registry.check.identity import shard_path
from resource_registry.edit import authoring
from resource_registry.record.urls import resource_id
from resource_registry.record.writer import RESOURCE_ORDER, render
from resource_registry.release import dataset, export
from resource_registry.release import site as website

# Property tests: a modest count by default (CI); HYPOTHESIS_PROFILE=long for a deep run.
settings.register_profile("default", max_examples=300, deadline=None)
settings.register_profile("long", max_examples=10_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _is_loopback_name(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str) or host.rstrip(".").lower() == "localhost":
        return host is None or isinstance(host, str)
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_name_lookups_leave_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests send nothing outside 127.0.0.0/8, DNS queries included: resolving any other
    name fails as an offline machine's resolver would (tests that need names install
    their own resolver on top of this one)."""
    real = socket.getaddrinfo

    def guarded(host: object, *args: object, **kwargs: object) -> object:
        if _is_loopback_name(host):
            return real(host, *args, **kwargs)  # type: ignore[arg-type]  # reason: passthrough
        raise socket.gaierror(socket.EAI_NONAME, "tests resolve no names outside loopback")

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


@pytest.fixture(autouse=True)
def _user_cache_of_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Registries outside git keep their cache in the user's cache directory: each test
    gets an empty one, never the real one."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))


FIXTURES = Path(__file__).parent / "fixtures"
PROJECT_ROOT = Path(__file__).parent.parent
TODAY = dt.date(2026, 1, 15)

MakeRegistry = Callable[[Mapping[str, bytes | str]], Path]


@pytest.fixture
def three_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three parts for forked work, and forking allowed: other tests leave server threads
    running in this process, but the functions forked in tests take no lock."""
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    monkeypatch.setattr(threading, "active_count", lambda: 1)


@pytest.fixture
def make_registry(tmp_path: Path) -> MakeRegistry:
    """Build a registry: the fixture vocabularies plus the given files (path -> content)."""

    def build(files: Mapping[str, bytes | str]) -> Path:
        root = tmp_path / "registry"
        shutil.copytree(FIXTURES / "base", root, dirs_exist_ok=True)
        (root / "data" / "resources").mkdir(parents=True, exist_ok=True)
        for relative, content in files.items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode() if isinstance(content, str) else content)
        return root

    return build


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` with a fixed identity; return its output."""
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.org",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.org",
    )
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def resource_text(stable_id: str, url: str, **fields: object) -> tuple[str, str]:
    """A valid resource file for ``url``: its path under the root and its canonical text."""
    record = {"stable_id": stable_id, "id": resource_id(url), "url": url, "type": "web", **fields}
    record.setdefault("title", f"Resource {stable_id}")
    return shard_path(stable_id), render(record, RESOURCE_ORDER)


@dataclass(frozen=True)
class BuiltSite:
    """The starter registry with one merged and one withdrawn resource, as a dataset and
    as a site."""

    registry: Path
    dataset: Path
    site: Path
    merged: str  # retired into `successor`
    successor: str
    withdrawn: str


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    work = tmp_path_factory.mktemp("site")
    registry = work / "registry"
    shutil.copytree(PROJECT_ROOT / "data", registry / "data")
    merged, successor, withdrawn = "sid_0JaUnZG5gN", "sid_11qN1lONgd", "sid_3GesLsG2xb"
    authoring.merge(registry, merged, successor, today=TODAY)
    authoring.retire(registry, withdrawn, reason="The page was taken down.", today=TODAY)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01: reproducible
        data = export.export(registry, work / "dataset", jobs=1).out
    site = website.build_site(dataset.load_all(data), work / "site", jobs=1).out
    return BuiltSite(registry, data, site, merged, successor, withdrawn)
