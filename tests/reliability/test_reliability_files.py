"""Reliability sweep: truncated, corrupt, tampered and unsafe files.

`zoo.load`, `export.load_runtime`, `export.verify` and the `aezoo evaluate /
finetune / export / verify` commands must refuse a damaged file with a clear
`ValueError` (or `FileNotFoundError` / `TypeError`) naming the file and
what is wrong with it: never a zip, protobuf or flatbuffer error, never a
traceback. A preset whose sha256 differs and a `.keras` file that needs
unsafe deserialization (a Lambda layer) are refused with the reason.
"""

import json
import os
import shlex
import shutil
import zipfile

import keras
import numpy as np
import pytest
from reliability_cases import CASES, case, check_call, check_cli, run_cli, tiny_export

import export
import zoo


def _flip_byte_in_weights(source, target):
    """Copies a .keras file with one byte of its weights entry flipped (a zip CRC error)."""
    data = bytearray(open(source, "rb").read())
    with zipfile.ZipFile(source) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith(".h5"))
    name_and_extra = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28],
                                    "little") + int.from_bytes(
        data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_and_extra
    data[start + info.compress_size // 2] ^= 0xFF
    open(target, "wb").write(bytes(data))


def _copy_zip(source, target, keep):
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as out:
        for name in archive.namelist():
            if keep(name):
                out.writestr(name, archive.read(name))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A folder of damaged files, a saved_models root with two broken presets, and exports."""
    model, out = tiny_export()
    root = tmp_path_factory.mktemp("files")
    good = root / "good.keras"
    model.save(good)
    shutil.copy(good, root / "model.keras")
    data = good.read_bytes()
    (root / "truncated.keras").write_bytes(data[: len(data) // 2])
    (root / "empty.keras").write_bytes(b"")
    (root / "text.keras").write_text("a text file, not a model\n")
    _flip_byte_in_weights(good, root / "bit-flip.keras")
    _copy_zip(good, root / "no-config.keras", lambda n: n != "config.json")
    _copy_zip(good, root / "no-weights.keras", lambda n: not n.endswith(".h5"))
    inputs = keras.Input((8, 8, 1))
    keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2.0)(inputs)).save(
        root / "lambda.keras")
    plain_inputs = keras.Input((8, 8, 1))
    keras.Model(plain_inputs, keras.layers.Dense(2)(plain_inputs)).save(root / "plain.keras")
    (root / "x.keras").mkdir()
    np.savez(root / "data.npz", x=np.zeros((4, 8, 8, 1), np.float32))
    npz = (root / "data.npz").read_bytes()
    (root / "truncated.npz").write_bytes(npz[: len(npz) // 2])
    np.save(root / "data.npy", np.zeros((4, 8, 8, 1), np.float32))
    npy = (root / "data.npy").read_bytes()
    (root / "truncated.npy").write_bytes(npy[: len(npy) // 2])

    for fmt in ("onnx", "tflite"):
        with open(os.path.join(out, f"encode.{fmt}"), "rb") as f:
            content = f.read()
        (root / f"truncated.{fmt}").write_bytes(content[: len(content) // 2])
        (root / f"empty.{fmt}").write_bytes(b"")
        (root / f"text.{fmt}").write_text("a text file, not a model\n")

    def export_copy(name, damage):
        target = root / name
        shutil.copytree(out, target)
        damage(target)
        return target

    exports = {
        "good": out,
        "manifest-not-json": export_copy(
            "manifest-not-json", lambda t: (t / "manifest.json").write_text("{ not json")),
        "manifest-empty": export_copy(
            "manifest-empty", lambda t: (t / "manifest.json").write_text("{}")),
        "manifest-list": export_copy(
            "manifest-list", lambda t: (t / "manifest.json").write_text("[1, 2]")),
        "truncated-artifact": export_copy(
            "truncated-artifact",
            lambda t: (t / "encode.onnx").write_bytes((t / "encode.onnx").read_bytes()[:100])),
        "missing-reference": export_copy(
            "missing-reference", lambda t: (t / "reference.npz").unlink()),
    }

    saved = root / "saved_models"
    for name in ("tiny_preset", "gone_preset"):
        (saved / name).mkdir(parents=True)
    shutil.copy(good, saved / "tiny_preset" / "model.keras")
    entry = {"file": "tiny_preset/model.keras", "sha256": "0" * 64, "variant": "ae",
             "backbone": "mlp", "input_shape": [8, 8, 1], "dataset": "digits",
             "preprocessing": "none"}
    manifest = {"format": 1, "presets": {
        "tiny_preset": entry, "gone_preset": {**entry, "file": "gone_preset/model.keras"}}}
    (saved / "manifest.json").write_text(json.dumps(manifest))
    broken = root / "broken_saved_models"
    broken.mkdir()
    (broken / "manifest.json").write_text('{"presets": {"tiny_preset": ')
    run_dir = root / "damaged_run"
    status, _, stderr = run_cli(["train", "ae", "--data", "digits", "--epochs", "1",
                                 "--latent-dim", "4", "--option", "hidden_units=(8,)",
                                 "--run-dir", str(run_dir)])
    assert status == 0, stderr
    checkpoint = run_dir / "epoch_0001.keras"
    checkpoint.write_bytes(checkpoint.read_bytes()[:1000])
    return {"root": root, "exports": exports, "saved_models": saved, "broken": broken,
            "damaged_run": run_dir}


LOAD_CASES = [c.id for c in CASES if c.area == "files" and c.id.startswith("load-")
              and not c.id.startswith("load-runtime-")]


@pytest.mark.parametrize("case_id", LOAD_CASES)
def test_zoo_load(files, monkeypatch, case_id):
    root = files["root"]
    key = case_id[len("load-"):]
    monkeypatch.setenv("AEZOO_SAVED_MODELS", str(files["broken" if key == "manifest-not-json"
                                                      else "saved_models"]))
    argument = {"manifest-not-json": "tiny_preset", "directory": str(root / "x.keras"),
                "missing": str(root / "absent.keras"), "not-a-name": 3,
                "tampered-preset": "tiny_preset",
                "missing-preset-file": "gone_preset"}.get(key, str(root / f"{key}.keras"))
    check_call(case_id, lambda: zoo.load(argument))


@pytest.mark.parametrize("case_id", [c.id for c in CASES if c.id.startswith("load-runtime-")])
def test_load_runtime(files, case_id):
    root = files["root"]
    key = case_id[len("load-runtime-"):]
    fmt, _, damage = key.partition("-")
    if fmt in ("onnx", "tflite"):
        path, endpoint = root / f"{damage}.{fmt}", None
    else:
        path, endpoint = {
            "missing": (root / "absent.onnx", None),
            "keras-file": (root / "model.keras", None),
            "folder-without-endpoint": (files["exports"]["good"], None),
            "folder-unknown-endpoint": (files["exports"]["good"], "sample"),
        }[key]
    check_call(case_id, lambda: export.load_runtime(str(path), endpoint=endpoint))


@pytest.mark.parametrize("case_id", [c.id for c in CASES if c.id.startswith("verify-")
                                     and c.area == "files"])
def test_verify(files, case_id):
    key = case_id[len("verify-"):]
    target = {"not-a-folder": str(files["root"] / "good.keras"), "none": None}.get(
        key, str(files["exports"].get(key, "")))
    check_call(case_id, lambda: export.verify(target))


def test_intact_files_still_load(files, monkeypatch):
    """The fixture's damage is what the cases measure: the intact originals work."""
    model = zoo.load(str(files["root"] / "good.keras"))
    assert model.encode(np.zeros((1, 8, 8, 1), np.float32)).shape == (1, 4)
    assert export.verify(files["exports"]["good"]).passed
    assert np.load(files["root"] / "data.npz")["x"].shape == (4, 8, 8, 1)
    monkeypatch.setenv("AEZOO_SAVED_MODELS", str(files["saved_models"]))
    assert zoo.load("tiny_preset", verify=False).latent_dim == 4


@pytest.mark.parametrize("case_id", [c.id for c in CASES if c.area == "files"
                                     and c.id.startswith("cli-")])
def test_cli_refuses_damaged_files(files, monkeypatch, tmp_path, case_id):
    monkeypatch.setenv("AEZOO_SAVED_MODELS", str(files["saved_models"]))
    root = files["root"]
    out = tmp_path / "out.keras"
    out_dir = tmp_path / "export"
    places = {"truncated": root / "truncated.keras", "bit_flip": root / "bit-flip.keras",
              "lambda_file": root / "lambda.keras", "plain": root / "plain.keras",
              "good": root / "good.keras", "truncated_npz": root / "truncated.npz",
              "truncated_npy": root / "truncated.npy",
              "damaged_export": files["exports"]["truncated-artifact"],
              "bad_manifest_export": files["exports"]["manifest-not-json"],
              "out": out, "out_dir": out_dir}
    line = case(case_id).call[len("aezoo "):]
    if case_id == "cli-train-truncated-checkpoint":
        places["run_dir"] = files["damaged_run"]
    argv = [part.format(**{k: str(v) for k, v in places.items()}) for part in shlex.split(line)]
    status, _, stderr = run_cli(argv)
    left = sorted(os.listdir(tmp_path))
    check_cli(case_id, status, stderr, extra_ok=left == [],
              extra_text="" if not left else f"; left behind {left}")


@pytest.fixture(scope="module")
def data_folders(tmp_path_factory):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    root = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(0)
    for name in ("truncated-png", "text-png", "mixed"):
        (root / name).mkdir()
        for i in range(3):
            plt.imsave(root / name / f"{i}.png", rng.random((8, 8)), cmap="gray")
    png = (root / "truncated-png" / "0.png").read_bytes()
    (root / "truncated-png" / "1.png").write_bytes(png[: len(png) // 2])
    (root / "text-png" / "2.png").write_text("not an image")
    (root / "npz").mkdir()
    np.savez(root / "npz" / "a.npz", x=np.zeros((4, 8, 8, 1), np.float32))
    part = (root / "npz" / "a.npz").read_bytes()
    (root / "npz" / "b.npz").write_bytes(part[: len(part) // 2])
    np.savez(root / "mixed" / "c.npz", x=np.zeros((4, 8, 8, 1), np.float32))
    return root


@pytest.mark.parametrize("case_id", [c.id for c in CASES if c.id.startswith("from-files-")])
def test_streamed_files(data_folders, case_id):
    from zoo.datasets import streaming

    model = zoo.build("ae", input_shape=(8, 8, 1), latent_dim=4, hidden_units=(8,))
    model.compile(optimizer="adam")
    key = case_id[len("from-files-"):]
    path = {"truncated-npz": data_folders / "npz" / "*.npz",
            "no-match": data_folders / "absent" / "*.npz"}.get(key, data_folders / key)

    def fit():
        return model.fit(streaming.from_files(str(path), batch_size=2, channels=1), epochs=1,
                         verbose=0)

    check_call(case_id, fit)
