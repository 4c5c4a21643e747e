"""A short campaign of `scripts/fuzz.py`, so that every run of the suite throws hostile
input at the reader, the validator, the formatter and the later steps (strict JSON,
CSV, SQLite, the terminal reporter). The long campaign is the script, run by hand."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).parent.parent / "scripts" / "fuzz.py"


def _fuzz_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_script", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_a_short_fuzz_campaign_finds_no_crash_no_loss_and_no_late_failure() -> None:
    reports: list[str] = []
    tally = _fuzz_module().fuzz(2_500, seed=7, report=reports.append)
    assert (tally.crashes, tally.hangs, tally.lost, tally.late) == (0, 0, 0, 0), reports
    # the campaign reaches valid records with edge values, not only parse errors
    assert tally.valid > 50
