"""tf.distribute with the zoo's train step: same update as one device, on the same batches."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from zoo.training import distribute

HERE = os.path.dirname(os.path.abspath(__file__))
DETERMINISTIC = ["ae", "sparse_ae", "contractive_ae", "vq_vae"]


def run_script(args, env=None, timeout=600):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def mirrored():
    result = run_script([os.path.join(HERE, "mirrored_parity.py"), *DETERMINISTIC, "vae"])
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("variant", DETERMINISTIC)
def test_mirrored_epoch_equals_single_device(mirrored, variant):
    cell = mirrored[variant]
    assert cell["max_update"] > 1e-2  # the epoch really moved the weights
    assert cell["max_weight_diff"] < 1e-4
    assert cell["loss_mirrored"] == pytest.approx(cell["loss_single"], rel=1e-4)


def test_vae_trains_under_mirrored(mirrored):
    assert np.isfinite(mirrored["vae"]["loss_mirrored"])
    assert mirrored["vae"]["max_update"] > 1e-2


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_workers_on_localhost_match_one_device(tmp_path):
    cluster = {"worker": [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]}
    script = os.path.join(HERE, "multiworker_run.py")
    workers = []
    for index in range(2):
        config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        workers.append(subprocess.Popen(
            [sys.executable, script, str(tmp_path / f"w{index}.npz")],
            env={**os.environ, "TF_CONFIG": config}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True))
    outputs = [w.communicate(timeout=300) for w in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err[-3000:]
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert [r["replicas"] for r in reports] == [2, 2]
    assert reports[0]["loss"] == pytest.approx(reports[1]["loss"], rel=1e-6)
    w0, w1 = np.load(tmp_path / "w0.npz"), np.load(tmp_path / "w1.npz")
    single = np.load(tmp_path / "w0.single.npz")
    assert max(np.abs(w0[k] - single[k]).max() for k in w0.files) < 1e-4
    assert max(np.abs(w0[k] - w1[k]).max() for k in w0.files) == 0.0


def test_unknown_strategy_and_precision_names():
    with pytest.raises(ValueError, match=r"strategy.*\['default', 'mirrored', 'multiworker'\]"):
        distribute.strategy("tpu-pod")
    with pytest.raises(ValueError, match="precision"):
        distribute.set_precision("float8")


def test_multiworker_needs_tf_config(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="TF_CONFIG"):
        distribute.strategy("multiworker")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        distribute.strategy("multiworker")
