"""Reliability sweep: writes are atomic, never overwrite without asking, fail early.

An existing target is refused without `overwrite=True` / `--overwrite`; an
unwritable target (under a regular file, or in /proc, which even root cannot
write) fails before any work; a writer that fails midway leaves the target
as it was and no temporary sibling; temporaries left by a killed writer are
removed by the next write to the same target.
"""

import os
import shlex
import subprocess

import pytest
from reliability_cases import case, check_call, check_cli, ids, run_cli, tiny_export

import export
from zoo import atomic

UNDER_FILE = "/etc/hostname"  # a regular file: nothing can be created below it, even by root


@pytest.fixture(scope="module")
def model():
    return tiny_export()[0]


def hidden(folder):
    return sorted(n for n in os.listdir(folder) if n.startswith("."))


def test_export_existing_target(model, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    check_call("write-export-existing",
               lambda: export.export_model(model, out, formats=("onnx",), endpoints=("encode",)))
    assert os.listdir(out) == ["keep.txt"] and hidden(tmp_path) == []


@pytest.mark.parametrize("case_id,target", [
    ("write-export-under-file", f"{UNDER_FILE}/x"),
    ("write-export-proc", "/proc/aezoo-reliability-export"),
    ("write-export-none", None),
])
def test_export_unwritable_target(model, case_id, target):
    check_call(case_id, lambda: export.export_model(model, target, formats=("onnx",),
                                                    endpoints=("encode",)))
    if target is not None:
        assert not os.path.exists(target)


def _dead_pid():
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_export_removes_a_dead_exports_temporaries(model, tmp_path):
    out = tmp_path / "out"
    dead = tmp_path / f".out.tmp-{_dead_pid()}-abc123"
    dead.mkdir()
    (dead / "encode.onnx").write_bytes(b"half")
    live = tmp_path / ".out.tmp-1-def456"  # pid 1 is alive: its temp is not ours to remove
    live.mkdir()

    def only_the_live_temp_remains(report):
        assert sorted(os.listdir(out)) == ["encode.onnx", "manifest.json", "reference.npz"]
        assert hidden(tmp_path) == [live.name], hidden(tmp_path)
        return "dead writer's temp removed, live writer's kept"

    check_call("write-export-stale-temp",
               lambda: export.export_model(model, out, formats=("onnx",), endpoints=("encode",)),
               only_the_live_temp_remains)


def test_atomic_file_failure_keeps_the_old_file(tmp_path):
    target = tmp_path / "model.keras"
    target.write_text("old")

    def fail_midway():
        with atomic.atomic_file(target) as tmp:
            with open(tmp, "w") as f:
                f.write("half of the new")
            raise RuntimeError("failed midway")

    check_call("write-atomic-file-failure", fail_midway)
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["model.keras"]


def test_atomic_directory_failure_keeps_the_old_folder(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "a.txt").write_text("old")

    def fail_midway():
        with atomic.atomic_directory(target, overwrite=True) as tmp:
            with open(os.path.join(tmp, "a.txt"), "w") as f:
                f.write("new")
            raise RuntimeError("failed midway")

    check_call("write-atomic-directory-failure", fail_midway)
    assert os.listdir(tmp_path) == ["out"] and (target / "a.txt").read_text() == "old"


CLI_WRITES = {
    "write-train-out-existing":
        "train ae --data digits --epochs 1 --option hidden_units=(8,) --run-dir {tmp}/run "
        "--out {existing_file}",
    "write-train-out-under-file":
        "train ae --data digits --epochs 1 --run-dir {tmp}/run --out /etc/hostname/x.keras",
    "write-train-run-dir-under-file":
        "train ae --data digits --epochs 1 --run-dir /etc/hostname/run",
    "write-finetune-out-existing": "finetune {model} --data digits --out {existing_file}",
    "write-finetune-out-under-file": "finetune {model} --data digits --out /etc/hostname/x.keras",
    "write-evaluate-json-under-file":
        "evaluate {model} --data digits --json /etc/hostname/r.json",
    "write-sweep-out-existing":
        "sweep ae --data digits --latent-dims 2 --epochs 1 --out {existing_dir}",
    "write-sweep-out-proc": "sweep ae --data digits --latent-dims 2 --epochs 1 "
                            "--out /proc/aezoo-sweep",
    "write-quickstart-out-under-file": "quickstart --out /etc/hostname/q",
    "write-export-cli-existing": "export {model} --formats onnx --out {existing_dir}",
    "write-export-cli-under-file": "export {model} --formats onnx --out /etc/hostname/x",
}


@pytest.mark.parametrize("case_id", sorted(CLI_WRITES))
def test_cli_targets(model, tmp_path, case_id):
    assert case(case_id).outcome == "exit 2"
    model_path = tmp_path / "model.keras"
    model.save(model_path)
    existing_file = tmp_path / "existing.keras"
    existing_file.write_text("keep me")
    existing_dir = tmp_path / "existing"
    existing_dir.mkdir()
    (existing_dir / "keep.txt").write_text("keep me")
    before = sorted(os.listdir(tmp_path))
    places = {"tmp": tmp_path, "model": model_path, "existing_file": existing_file,
              "existing_dir": existing_dir}
    argv = [part.format(**{k: str(v) for k, v in places.items()})
            for part in shlex.split(CLI_WRITES[case_id])]
    status, _, stderr = run_cli(argv)
    after = sorted(os.listdir(tmp_path))
    unchanged = (after == before and existing_file.read_text() == "keep me"
                 and os.listdir(existing_dir) == ["keep.txt"])
    check_cli(case_id, status, stderr, extra_ok=unchanged,
              extra_text="" if unchanged else f"; folder changed: {before} -> {after}")


def test_every_write_case_runs():
    ran = set(CLI_WRITES) | {"write-export-existing", "write-export-under-file",
                             "write-export-proc", "write-export-none", "write-export-stale-temp",
                             "write-atomic-file-failure", "write-atomic-directory-failure"}
    assert ran == set(ids("writes"))
