"""The notebooks run top to bottom on the small export (outputs stay stripped in git)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def test_notebooks_are_committed_without_outputs():
    assert len(NOTEBOOKS) >= 2
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name


def _outputs(notebook: nbformat.NotebookNode) -> list[str]:
    """The text each code cell printed or returned, one string per cell (empty when none)."""
    texts = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        parts = [o.get("text", "") for o in cell.outputs if o.output_type == "stream"]
        parts += [
            o.data.get("text/plain", "")
            for o in cell.outputs
            if o.output_type in ("execute_result", "display_data")
        ]
        texts.append("\n".join(parts))
    return texts


def _series(text: str) -> dict[str, int]:
    """A printed ``pandas.Series`` of integers back into a dict (``dtype:`` line ignored)."""
    pairs = (line.split() for line in text.splitlines() if line and not line.startswith("dtype"))
    return {name: int(value) for name, value in pairs}


def _explores_the_small_export(outputs: list[str], request: pytest.FixtureRequest) -> None:
    rounds = request.getfixturevalue("small_export").rounds
    said = f"{rounds['round_id'].nunique()} rounds, {len(rounds)} rows"
    assert any(text.startswith(said) for text in outputs), said


def _trains_on_the_small_export(outputs: list[str], request: pytest.FixtureRequest) -> None:
    counts = request.getfixturevalue("training_data").counts()  # same export, config, rules
    assert _series(outputs[1]) == counts
    table = outputs[2]  # the methods compared: the ranker and its baselines
    assert all(method in table for method in ("ranker", "seniority", "pointwise"))


CHECKS: dict[str, Callable[[list[str], pytest.FixtureRequest], None]] = {
    "01-explore-export.ipynb": _explores_the_small_export,
    "02-model-analysis.ipynb": _trains_on_the_small_export,
}


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_the_small_export(path, small_export_dir, monkeypatch, request):
    assert path.name in CHECKS, "say in CHECKS what this notebook computes on the small export"
    monkeypatch.setenv("DATA_DIR", str(small_export_dir))
    monkeypatch.setenv("CONFIG", str(ROOT / "training" / "configs" / "test.yaml"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}})  # fmt: skip
    client.execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    CHECKS[path.name](_outputs(notebook), request)
