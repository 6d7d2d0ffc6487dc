"""Every tutorial notebook runs top to bottom on tiny settings (AEZOO_SMOKE=1).

Notebooks run in a temporary folder with the venv's `python3` kernel; they
are committed without outputs, which the last test checks. Each takes about
20-40 s in smoke mode (mostly kernel start and TensorFlow import), so they
run with `-m slow`; CI's `make docs` executes every notebook the same way anyway
(AEZOO_SMOKE=1, scripts/build_docs.py).
"""

import os
import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).parent.parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DEFAULT_SUITE = set()


@pytest.fixture
def smoke_env(monkeypatch):
    monkeypatch.setenv("AEZOO_SMOKE", "1")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    # The kernel runs in a temporary folder: import this checkout's zoo and export.
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + (os.pathsep + path if path else ""))


def test_there_are_at_least_five_tutorials():
    assert len(NOTEBOOKS) >= 5, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", [
    p if p.stem in DEFAULT_SUITE else pytest.param(p, marks=pytest.mark.slow) for p in NOTEBOOKS
], ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_smoke_mode(path, tmp_path, smoke_env):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    assert any((tmp_path / "notebook_outputs").iterdir())  # it wrote figures or exports


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name
    assert os.path.getsize(path) < 100_000
