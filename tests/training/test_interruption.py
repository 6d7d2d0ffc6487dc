"""Reliability sweep: `aezoo train` and `aezoo export` killed with SIGKILL, then run again.

Real subprocesses, killed with `os.kill(pid, SIGKILL)` (no handler can run):
- `aezoo train`, killed once its first epoch checkpoint exists, resumes from
  its last checkpoint when the same command runs again, says so, loses at
  most the epoch that was in progress, and finishes with no temporary file
  left in the run folder (the next write to a target removes the hidden
  temporaries of dead writers: `zoo.atomic`).
- `aezoo export`, killed while it writes, leaves no folder at the target,
  only a hidden temporary sibling, which the next run removes.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from reliability_cases import record

import zoo

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EPOCHS = 4
TRAIN = ["train", "ae", "--data", "digits", "--latent-dim", "4", "--batch-size", "32",
         "--epochs", str(EPOCHS), "--option", "hidden_units=(16,)"]


def _start(args):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen([sys.executable, "-m", "zoo.cli", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_when(process, ready, timeout=120):
    """SIGKILLs `process` as soon as `ready()` is true; returns its (stdout, stderr)."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            out, err = process.communicate()
            pytest.fail(f"the process ended (or timed out) before the kill point: {err[-2000:]}")
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    out, err = process.communicate()
    assert process.returncode == -signal.SIGKILL
    return out, err


def _checkpoints(run_dir):
    return sorted(n for n in os.listdir(run_dir) if re.fullmatch(r"epoch_\d{4}\.keras", n))


def _dead_pid():
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.mark.slow
def test_train_killed_resumes_from_its_last_checkpoint(tmp_path):
    run_dir = tmp_path / "run"
    args = [*TRAIN, "--run-dir", str(run_dir)]
    out, _ = _kill_when(_start(args), lambda: run_dir.is_dir() and _checkpoints(run_dir))
    saved = _checkpoints(run_dir)
    assert len(saved) == 1, saved
    last = int(saved[0][6:10])
    printed = [int(k) for k in re.findall(rf"^epoch (\d+)/{EPOCHS} ", out, re.M)]
    assert last < EPOCHS, "the kill came after the run had finished"
    # Each epoch is printed after its checkpoint: whatever was printed is saved.
    assert max(printed, default=0) <= last
    # Leftovers a kill can leave: the next checkpoint's and history's temporaries.
    dead = _dead_pid()
    planted = [f".epoch_{last + 1:04d}.keras.tmp-{dead}-x1.keras",
               f".history.json.tmp-{dead}-x2.json"]
    for name in planted:
        (run_dir / name).write_bytes(b"half-written")

    result = subprocess.run([sys.executable, "-m", "zoo.cli", *args], cwd=REPO,
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    resumed = re.search(r"resuming from epoch (\d+)", result.stdout)
    trained = [int(k) for k in re.findall(rf"^epoch (\d+)/{EPOCHS} ", result.stdout, re.M)]
    with open(run_dir / "history.json") as f:
        history = json.load(f)
    leftovers = sorted(n for n in os.listdir(run_dir) if n.startswith("."))
    ok = (result.returncode == 0 and resumed is not None and int(resumed.group(1)) == last
          and trained == list(range(last + 1, EPOCHS + 1))
          and _checkpoints(run_dir) == [f"epoch_{EPOCHS:04d}.keras"]
          and len(history["loss"]) == EPOCHS and not leftovers)
    record("kill-train", f"killed after epoch {last} was saved (in epoch {last + 1}); rerun "
           f"said '{resumed.group(0) if resumed else 'nothing'}', trained epochs {trained}, "
           f"history has {len(history['loss'])} epochs", ok)
    record("kill-train-temp-cleanup", f"planted {len(planted)} dead-writer temporaries; "
           f"left after the resumed run: {leftovers or 'none'}", not leftovers)
    assert result.returncode == 0, result.stderr[-3000:]
    assert resumed and int(resumed.group(1)) == last, result.stdout
    assert trained == list(range(last + 1, EPOCHS + 1)), result.stdout  # lost <= 1 epoch
    assert _checkpoints(run_dir) == [f"epoch_{EPOCHS:04d}.keras"]
    assert len(history["loss"]) == EPOCHS
    assert leftovers == []


@pytest.mark.slow
def test_export_killed_leaves_no_partial_folder(tmp_path):
    model = zoo.build("ae", input_shape=(8, 8, 1), latent_dim=4, hidden_units=(16,))
    model_path = tmp_path / "model.keras"
    model.save(model_path)
    out = tmp_path / "out"
    args = ["export", str(model_path), "--formats", "onnx", "--endpoints", "encode",
            "--out", str(out)]

    def writing():
        temporaries = [tmp_path / n for n in os.listdir(tmp_path) if n.startswith(".out.tmp-")]
        return any(os.listdir(t) for t in temporaries if t.is_dir())

    _kill_when(_start(args), writing)
    killed_left = sorted(n for n in os.listdir(tmp_path) if n.startswith("."))
    partial = out.exists()

    result = subprocess.run([sys.executable, "-m", "zoo.cli", *args], cwd=REPO,
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    rerun_left = sorted(n for n in os.listdir(tmp_path) if n.startswith("."))
    files = sorted(os.listdir(out)) if out.is_dir() else []
    ok = (not partial and len(killed_left) == 1 and result.returncode == 0
          and not rerun_left and "encode.onnx" in files)
    record("kill-export", f"after the kill: target {'exists' if partial else 'absent'}, "
           f"hidden temporaries {len(killed_left)}; rerun exit {result.returncode}, "
           f"temporaries left {len(rerun_left)}, target holds {files}", ok)
    assert not partial
    assert len(killed_left) == 1 and killed_left[0].startswith(".out.tmp-"), killed_left
    assert result.returncode == 0, result.stderr[-3000:]
    assert rerun_left == [] and {"encode.onnx", "manifest.json"} <= set(files)
