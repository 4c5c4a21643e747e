"""A dataset read for publishing: its files verified, its rows keyed and hashed, and its
resources checked before they are sent."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from resource_registry.base.errors import UsageError
from resource_registry.publish.tables import VOCABULARY_TABLES
from resource_registry.release import dataset

_STABLE_ID_PREFIX: Final = b'{"stable_id": "'


@dataclass(frozen=True, slots=True)
class DatasetRows:
    """A dataset keyed for publishing. Resources stay as their JSONL lines until a row is
    checked and sent, and a resource's ``source_hash`` is the sha256 of its line: a
    republish of 100,000 resources parses and checks only the ones that changed."""

    version: str
    manifest_sha256: str
    lines: dict[str, bytes]  # resources: stable_id -> JSON line
    vocabularies: dict[str, dict[str, dict[str, Any]]]  # table -> key -> entry
    hashes: dict[str, dict[str, str]]  # table -> key -> source_hash
    entries: dict[str, list[Any]]  # each vocabulary file's list, for the record checks

    def record(self, table: str, key: str) -> dict[str, Any]:
        if table == "resources":
            parsed: dict[str, Any] = json.loads(self.lines[key])
            return parsed
        return self.vocabularies[table][key]


def read_dataset(folder: Path) -> DatasetRows:
    """A dataset whose files publishing reads match its checksums and manifest, and whose
    vocabularies, tombstones and manifest pass validation (a dataset may come from anyone:
    checksums prove only that its files match its manifest). Its resources are checked as
    they are about to be sent (:func:`check_resources`)."""
    from resource_registry.release import screening  # noqa: PLC0415 - reason: pydantic-core

    read = ["resources.jsonl", *(f"{name}.json" for name in screening.VOCABULARIES)]
    if problems := dataset.verify_files(folder, read):
        raise UsageError(f"{folder} is not an intact dataset: " + "; ".join(problems[:3]))
    try:
        manifest = json.loads((folder / dataset.MANIFEST).read_text(encoding="utf-8"))
        entries = {
            name: json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
            for name in screening.VOCABULARIES
        }
        lines = _lines(folder / "resources.jsonl")
    except (ValueError, UnicodeDecodeError) as error:  # not JSON, or an integer too long
        raise dataset.DatasetError(f"{folder} holds a file that is not JSON ({error})") from None
    screening.require_valid([], entries, manifest=manifest)
    hashes = {"resources": {sid: hashlib.sha256(line).hexdigest() for sid, line in lines.items()}}
    vocabularies: dict[str, dict[str, dict[str, Any]]] = {}
    for table in VOCABULARY_TABLES:
        vocabularies[table.name] = {entry[table.key]: entry for entry in entries[table.name]}
        hashes[table.name] = {key: _hash(entry) for key, entry in vocabularies[table.name].items()}
    manifest_hash = hashlib.sha256((folder / dataset.MANIFEST).read_bytes()).hexdigest()
    version = str(manifest.get("dataset_version", ""))
    return DatasetRows(version, manifest_hash, lines, vocabularies, hashes, entries)


def _lines(path: Path) -> dict[str, bytes]:
    """Each resource's JSONL line by its stable ID, read from the line's start where it
    is written as `export` writes it (the record checks confirm it), else parsed."""
    lines: dict[str, bytes] = {}
    for line in path.read_bytes().splitlines():
        end = line.find(b'"', len(_STABLE_ID_PREFIX))
        if line.startswith(_STABLE_ID_PREFIX) and end > 0:
            key = line[len(_STABLE_ID_PREFIX) : end].decode("utf-8", "replace")
        elif line.strip():
            record = json.loads(line)
            key = str(record.get("stable_id")) if isinstance(record, dict) else repr(record)
        else:
            continue
        if key in lines:
            raise dataset.DatasetError(f"resources.jsonl holds stable ID {key!a} twice")
        lines[key] = line
    return lines


def check_resources(data: DatasetRows, keys: Sequence[str]) -> None:
    """Every resource about to be sent passes validation (:mod:`release.screening`), and
    is the record its key says; :class:`UntrustedDataset` otherwise. A resource whose line
    is in the database already, byte for byte, was checked when it was sent."""
    from resource_registry.release import screening  # noqa: PLC0415 - reason: pydantic-core

    records = []
    for key in keys:
        try:
            record = json.loads(data.lines[key])
        except (ValueError, UnicodeDecodeError) as error:
            raise dataset.DatasetError(f"resources.jsonl: a line is not JSON ({error})") from None
        if not isinstance(record, dict) or record.get("stable_id") != key:
            raise dataset.DatasetError(f"resources.jsonl: the line of {key!a} is not its record")
        records.append(record)
    screening.require_valid(records, data.entries)


def _hash(record: Mapping[str, Any]) -> str:
    text = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
