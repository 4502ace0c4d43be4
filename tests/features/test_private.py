"""Reports that hold NIPs are written readable by their owner only."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from features.loader import ContractError, load_export
from features.private import owner_only
from training.synthetic import generate_export
from training.truth import TRUTH_FILE


@pytest.fixture
def wide_umask() -> Iterator[None]:
    """A umask that would leave new files world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def broken_export(small_export_dir: Path, tmp_path: Path) -> Path:
    """The small export with one performance rating outside the contract's vocabulary."""
    broken = tmp_path / "broken"
    shutil.copytree(small_export_dir, broken)
    performance = broken / "performance.csv"
    header, first, *rest = performance.read_text(encoding="utf-8").splitlines(keepends=True)
    first = first.rsplit(",", 1)[0] + ",NOT-A-RATING\n"
    performance.write_text("".join([header, first, *rest]), encoding="utf-8")
    return broken


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_old_world_readable_file_becomes_owner_only(tmp_path: Path, wide_umask: None) -> None:
    path = tmp_path / "report.csv"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o644)
    with owner_only(path) as handle:
        handle.write("nip\n199001012020121001\n")
    assert _mode(path) == 0o600 and path.read_text(encoding="utf-8").endswith("1001\n")


def test_the_contract_report_and_the_rejects_are_owner_only(
    broken_export: Path, tmp_path: Path, wide_umask: None
) -> None:
    report, rejects = tmp_path / "violations.csv", tmp_path / "rejects.csv"
    with pytest.raises(ContractError):
        load_export(broken_export, report=report)
    load_export(broken_export, rejects=rejects)
    assert _mode(report) == 0o600 and _mode(rejects) == 0o600
    assert rejects.stat().st_size > 0


def test_the_holdout_truth_is_owner_only(tmp_path: Path, wide_umask: None) -> None:
    generate_export(
        tmp_path / "export", employees=200, seed=3, progress=False, truth_dir=tmp_path / "truth"
    )
    assert _mode(tmp_path / "truth" / TRUTH_FILE) == 0o600
