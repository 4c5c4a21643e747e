"""For consumers of a released dataset: verify a download and load its resources.

    from resource_registry.release import dataset
    resources = dataset.load("registry-v1.2.0/")   # raises DatasetError if anything is off

:func:`verify` checks every file against ``SHA256SUMS`` and ``manifest.json``, the record
counts, and (with ``formats=True``) that JSON, JSONL, CSV, Parquet and SQLite hold the same
records with the same values, and that the citation files (CSL-JSON, BibLaTeX, RIS) hold
every record once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from resource_registry.base.errors import RegistryError
from resource_registry.base.fsutil import sha256_file
from resource_registry.cite import release as citations
from resource_registry.release import formats

__all__ = ["Dataset", "DatasetError", "load", "load_all", "verify", "verify_files"]

MANIFEST: Final = "manifest.json"
SUMS: Final = "SHA256SUMS"
_READERS: Final[dict[str, Callable[[Path], list[dict[str, Any]]]]] = {
    "resources.json": formats.read_json,
    "resources.csv": formats.read_csv,
    "resources.parquet": formats.read_parquet,
    "registry.sqlite": formats.read_sqlite,
}


class DatasetError(RegistryError):
    """The dataset does not match its manifest, its checksums or itself."""


def load(folder: str | Path) -> list[dict[str, Any]]:
    """The resources of a verified dataset (checksums and counts), sorted by stable ID."""
    folder = Path(folder)
    if problems := verify(folder, formats_agree=False):
        raise DatasetError(f"{folder} failed verification: " + "; ".join(problems[:5]))
    return formats.read_jsonl(folder / "resources.jsonl")


@dataclass(frozen=True, slots=True)
class Dataset:
    """Everything a released dataset holds, as read from its JSON files."""

    resources: list[dict[str, Any]]
    publications: list[dict[str, Any]]
    pages: list[dict[str, Any]]
    tags: list[dict[str, Any]]
    tombstones: list[dict[str, Any]]
    redirects: dict[str, str | None]  # every retired stable ID and id to its successor
    manifest: dict[str, Any]


def load_all(folder: str | Path) -> Dataset:
    """The resources, vocabularies, redirects and manifest of a verified dataset."""
    folder = Path(folder)
    resources = load(folder)
    read = {
        name: formats.read_json(folder / f"{name}.json")
        for name in ("publications", "pages", "tags", "tombstones")
    }
    redirects = json.loads((folder / "redirects.json").read_text(encoding="utf-8"))
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return Dataset(resources, **read, redirects=redirects, manifest=manifest)


def verify(folder: str | Path, *, formats_agree: bool = True, limit: int = 20) -> list[str]:
    """Every problem found (up to ``limit``); an empty list means the dataset is intact."""
    folder = Path(folder)
    problems: list[str] = []
    manifest = _manifest(folder, problems)
    if manifest is None:
        return problems
    _check_sums(folder, problems)
    _check_manifest_files(folder, manifest, problems)
    if problems:
        return problems[:limit]
    reference = formats.read_jsonl(folder / "resources.jsonl")
    expected = manifest.get("record_counts", {}).get("resources")
    if expected != len(reference):
        problems.append(
            f"resources.jsonl has {len(reference):,} records; the manifest says {expected}"
        )
    if formats_agree:
        for name, reader in _READERS.items():
            _compare(name, reader(folder / name), reference, problems)
        _check_citations(folder, manifest, reference, problems)
    return problems[:limit]


def verify_files(folder: str | Path, names: Sequence[str]) -> list[str]:
    """Check only ``names`` against the manifest: enough for a reader of those files."""
    folder = Path(folder)
    problems: list[str] = []
    manifest = _manifest(folder, problems)
    if manifest is None:
        return problems
    wanted = set(names)
    entries = [entry for entry in manifest.get("files", []) if entry.get("path") in wanted]
    missing = wanted - {str(entry.get("path")) for entry in entries}
    problems += [f"{name} is not listed in {MANIFEST}" for name in sorted(missing)]
    _check_manifest_files(folder, {"files": entries}, problems)
    return problems


def _manifest(folder: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{MANIFEST} is missing")
        return None
    except (ValueError, UnicodeDecodeError) as error:
        problems.append(f"{MANIFEST} is not valid JSON ({error})")
        return None
    return manifest if isinstance(manifest, dict) else None


def _check_sums(folder: Path, problems: list[str]) -> None:
    try:
        lines = (folder / SUMS).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        problems.append(f"{SUMS} is missing")
        return
    listed = set()
    for line in lines:
        digest, _, name = line.partition("  ")
        listed.add(name)
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is listed in {SUMS} but missing")
        elif sha256_file(path) != digest:
            problems.append(f"{name} does not match its sha256 in {SUMS}")
    extra = sorted(p.name for p in folder.iterdir() if p.name != SUMS and p.name not in listed)
    problems += [f"{name} is not listed in {SUMS}" for name in extra]


def _check_manifest_files(folder: Path, manifest: dict[str, Any], problems: list[str]) -> None:
    for entry in manifest.get("files", []):
        path = folder / str(entry.get("path"))
        if not path.is_file():
            problems.append(f"{entry.get('path')} is listed in {MANIFEST} but missing")
        elif path.stat().st_size != entry.get("bytes") or sha256_file(path) != entry.get("sha256"):
            problems.append(f"{entry.get('path')} does not match its size or sha256 in {MANIFEST}")


def _check_citations(
    folder: Path,
    manifest: dict[str, Any],
    reference: Sequence[dict[str, Any]],
    problems: list[str],
) -> None:
    """Every record in every citation file the manifest lists (a dataset from before
    they existed has none)."""
    listed = {entry.get("path") for entry in manifest.get("files", []) if isinstance(entry, dict)}
    ids = [str(record.get("stable_id")) for record in reference]
    for name in citations.ID_READERS:
        if name in listed:
            try:
                problems += citations.missing_ids(name, folder / name, ids)
            except (ValueError, UnicodeDecodeError) as error:
                problems.append(f"{name} cannot be read ({error})")


def _compare(
    name: str,
    records: Sequence[dict[str, Any]],
    reference: Sequence[dict[str, Any]],
    problems: list[str],
) -> None:
    if len(records) != len(reference):
        problems.append(
            f"{name} has {len(records):,} records; resources.jsonl has {len(reference):,}"
        )
        return
    by_id = {str(record.get("stable_id")): record for record in records}
    for expected in reference:
        stable_id = str(expected["stable_id"])
        actual = by_id.get(stable_id)
        if actual is None:
            problems.append(f"{name} lacks {stable_id}")
        elif actual != expected:
            fields = sorted(
                k for k in actual.keys() | expected.keys() if actual.get(k) != expected.get(k)
            )
            problems.append(f"{name} disagrees on {stable_id}: {', '.join(fields)}")
        if len(problems) > 20:
            return
