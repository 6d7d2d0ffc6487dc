"""`aezoo train` with streamed files, a distribution strategy and mixed precision."""

import subprocess
import sys

import numpy as np
import pytest


def aezoo(*args, cwd):
    return subprocess.run([sys.executable, "-m", "zoo.cli", "train", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


@pytest.fixture(scope="module")
def parts(tmp_path_factory, digits):
    folder = tmp_path_factory.mktemp("parts")
    for i, part in enumerate(np.split(digits[0][:400], 4)):
        np.savez(folder / f"part-{i}.npz", x=part)
    return folder


def test_train_streams_npz_parts_under_mirrored_mixed_precision(parts, tmp_path):
    result = aezoo("ae", "--data", str(parts / "part-*.npz"), "--latent-dim", "4",
                   "--epochs", "2", "--batch-size", "50", "--strategy", "mirrored",
                   "--precision", "mixed_bfloat16", "--option", "hidden_units=(32,)",
                   "--run-dir", str(tmp_path / "run"), "--out", str(tmp_path / "m.keras"),
                   cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "8 batches streamed from files, 1 replicas (mirrored)" in result.stdout
    assert (tmp_path / "m.keras").exists()


@pytest.mark.slow
def test_streamed_data_refuses_what_needs_an_embedded_dataset(parts, tmp_path):
    result = aezoo("ae", "--data", str(parts / "part-*.npz"), "--preset", "x", cwd=tmp_path)
    assert result.returncode == 2
    assert "needs an embedded dataset" in result.stderr and "Traceback" not in result.stderr
    missing = aezoo("ae", "--data", str(tmp_path / "nothing-*.npz"), cwd=tmp_path)
    assert missing.returncode == 2 and "No data files match" in missing.stderr


def test_unknown_strategy_is_one_line(tmp_path):
    result = aezoo("ae", "--strategy", "tpu", cwd=tmp_path)
    assert result.returncode == 2 and "invalid choice: 'tpu'" in result.stderr
    assert "Traceback" not in result.stderr
