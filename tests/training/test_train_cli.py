"""`aezoo train`: tiny real runs on digits, atomic checkpoints, resume, presets, bad input."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from zoo import cli, hub

TINY = ["ae", "--data", "digits", "--latent-dim", "4", "--batch-size", "256",
        "--option", "hidden_units=(16,)"]


def _files(folder):
    return sorted(os.listdir(folder))


def test_train_writes_checkpoint_and_resumes(tmp_path, capsys):
    run_dir = str(tmp_path / "run")
    assert cli.main(["train", *TINY, "--epochs", "1", "--run-dir", run_dir]) == 0
    first = capsys.readouterr().out
    assert "epoch 1/1" in first and "resuming" not in first
    assert _files(run_dir) == ["epoch_0001.keras", "history.json", "run.json"]

    out = str(tmp_path / "final.keras")
    assert cli.main(["train", *TINY, "--epochs", "2", "--run-dir", run_dir, "--out", out]) == 0
    second = capsys.readouterr().out
    assert "resuming from epoch 1" in second
    assert "epoch 2/2" in second and "epoch 1/2" not in second
    # The older checkpoint goes once the new one is complete; no temporary files remain.
    assert _files(run_dir) == ["epoch_0002.keras", "history.json", "run.json"]
    assert _files(tmp_path) == ["final.keras", "run"]
    with open(os.path.join(run_dir, "history.json")) as f:
        assert len(json.load(f)["loss"]) == 2
    model = hub.load(out)
    assert model.encode(np.zeros((2, 8, 8, 1), "float32")).shape == (2, 4)


def test_resume_with_changed_recipe_is_refused(tmp_path, capsys):
    run_dir = str(tmp_path / "run")
    assert cli.main(["train", *TINY, "--epochs", "1", "--run-dir", run_dir]) == 0
    status = cli.main(["train", *TINY, "--epochs", "2", "--run-dir", run_dir, "--seed", "1"])
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "differs in seed" in err[0]


def test_preset_writes_folder_and_manifest(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AEZOO_SAVED_MODELS", str(tmp_path / "models"))
    run_dir = str(tmp_path / "run")
    assert cli.main(["train", *TINY, "--epochs", "1", "--run-dir", run_dir,
                     "--preset", "tiny_digits"]) == 0
    assert "wrote preset tiny_digits" in capsys.readouterr().out
    folder = tmp_path / "models" / "tiny_digits"
    assert sorted(os.listdir(folder)) == ["card.md", "figure.png", "model.keras"]
    info = hub.preset_info("tiny_digits")
    assert info["sha256"] == hub.sha256_file(folder / "model.keras")
    assert info["recipe"].startswith("aezoo train ae --backbone mlp --data digits")
    assert "--option 'hidden_units=(16,)'" in info["recipe"]
    assert 0 < info["metrics"]["mse"] < 1 and info["metrics"]["pca_mse"] > 0
    assert f"{info['metrics']['mse']:.4g}" in (folder / "card.md").read_text()
    assert hub.load("tiny_digits").latent_dim == 4


def _aezoo(*args, **kwargs):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "zoo.cli", *args], capture_output=True,
                          text=True, env=env, **kwargs)


def test_bad_input_is_one_line_without_traceback(tmp_path):
    result = _aezoo("train", "ae", "--data", "nope", "--run-dir", str(tmp_path / "r"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "nope" in lines[0] and "mnist5k" in lines[0]


@pytest.mark.parametrize("args, expected", [
    (["ae", "--data", "digits", "--option", "filters"], "key=value"),
    (["ae", "--data", "digits", "--epochs", "0"], "--epochs"),
    (["nope", "--data", "digits"], "Unknown variant"),
    (["ae", "--data", "digits", "--kl-warmup", "3"], "models with a posterior"),
])
def test_bad_arguments_fail_before_training(tmp_path, capsys, args, expected):
    assert cli.main(["train", *args, "--run-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0]


@pytest.mark.slow
def test_resume_after_sigkill(tmp_path):
    run_dir = str(tmp_path / "run")
    args = ["train", "ae", "--data", "mnist5k", "--backbone", "conv", "--epochs", "6",
            "--run-dir", run_dir]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen([sys.executable, "-m", "zoo.cli", *args], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (
            os.path.isdir(run_dir) and "epoch_0002.keras" in os.listdir(run_dir)):
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    saved = [n for n in _files(run_dir) if n.endswith(".keras") and n.startswith("epoch_")]
    assert len(saved) == 1
    epoch = int(saved[0][6:10])
    result = _aezoo(*args)
    assert result.returncode == 0, result.stderr
    assert f"resuming from epoch {epoch}" in result.stdout
    assert _files(run_dir)[0] == "epoch_0006.keras"
