"""SavedModel export over every variant x backbone, and the export contract:
argument errors, atomic writes, manifest, verify."""

import json
import os

import pytest
from support import contract_data, small_model

import export
from export import common, testing
from export.ops import saved_model_ops


@pytest.mark.parametrize("variant,backbone", testing.matrix_params())
def test_saved_model_matches_keras(variant, backbone, mnist):
    x_train, x_test = contract_data(backbone, mnist)
    model, report, data = testing.matrix_export(variant, backbone, x_train, x_test, small_model)
    artifacts = [a for a in report.artifacts if a["format"] == "saved_model"]
    assert {a["endpoint"] for a in artifacts} == set(common.ENDPOINTS)
    path = os.path.join(report.out_dir, common.SAVED_MODEL_DIR)
    for artifact in artifacts:
        assert artifact["parity"]["worst"]["passed"], (artifact["id"], artifact["parity"]["worst"])
        run = export.load_runtime(path, endpoint=artifact["endpoint"])
        testing.assert_matches_keras(model, run, artifact, data)
        types, forbidden = saved_model_ops(path, artifact["endpoint"])
        assert not forbidden, forbidden
        assert not [t for t in types if "Random" in t or "Multinomial" in t], types


def test_serving_signatures_are_named(mnist):
    import tensorflow as tf

    x_train, x_test = contract_data("mlp", mnist)
    _, report, _ = testing.matrix_export("vae", "mlp", x_train, x_test, small_model)
    loaded = tf.saved_model.load(os.path.join(report.out_dir, common.SAVED_MODEL_DIR))
    # ExportArchive also names the first endpoint `serving_default` (TF Serving).
    assert set(loaded.signatures) == set(common.ENDPOINTS) | {"serving_default"}
    encode = loaded.signatures["encode"]
    assert list(encode.structured_input_signature[1]) == ["x"]
    assert list(encode.structured_outputs) == ["z"]
    assert list(loaded.signatures["decode"].structured_input_signature[1]) == ["z"]
    out = loaded.signatures["score"](x=tf.constant(x_test[:5]))
    assert out["score"].shape == (5,)


def test_manifest_and_verify(mnist):
    x_train, x_test = contract_data("conv", mnist)
    _, report, _ = testing.matrix_export("ae", "conv", x_train, x_test, small_model)
    with open(os.path.join(report.out_dir, common.MANIFEST)) as f:
        manifest = json.load(f)
    assert manifest["passed"] and manifest["versions"]["tensorflow"]
    assert len(manifest["artifacts"]) == 12
    for artifact in manifest["artifacts"]:
        assert artifact["inputs"][0]["name"] in ("x", "z")
        assert artifact["inputs"][0]["dtype"] == "float32"
        assert set(artifact["parity"]) == {"batch16", "batch1", "batch7", "worst"}
        assert artifact["bytes"] > 0
    for rel, entry in manifest["files"].items():
        assert common.sha256(os.path.join(report.out_dir, rel)) == entry["sha256"]
    lines = []
    result = export.verify(report.out_dir, progress=lines.append)
    assert result.passed and not result.skipped
    assert len([line for line in lines if " ok " in line]) == 12


def test_verify_detects_a_changed_file(tmp_path, mnist):
    x_train, _ = contract_data("mlp", mnist)
    model = small_model("ae", "mlp", x_train.shape[1:])
    out = tmp_path / "ae"
    export.export_model(model, out, formats=("onnx",), endpoints=("encode",))
    with open(out / "encode.onnx", "ab") as f:
        f.write(b"\0")
    with pytest.raises(ValueError, match="sha256"):
        export.verify(out)


def leftovers(folder):
    return sorted(name for name in os.listdir(folder) if name.startswith("."))


@pytest.mark.parametrize("kwargs,error,match", [
    ({"formats": ("tflite", "coreml")}, ValueError, "formats.*Received.*coreml"),
    ({"endpoints": ("encode", "sample")}, ValueError, "endpoints.*Received.*sample"),
    ({"quantize": "int4"}, ValueError, "quantize.*Received: quantize='int4'"),
    ({"quantize": "int8"}, ValueError, "representative_data"),
    ({"quantize": "float16", "formats": ("onnx",)}, ValueError, "LiteRT only"),
])
def test_bad_arguments_fail_before_writing(tmp_path, mnist, kwargs, error, match):
    x_train, _ = contract_data("mlp", mnist)
    model = small_model("ae", "mlp", x_train.shape[1:])
    with pytest.raises(error, match=match):
        export.export_model(model, tmp_path / "out", **kwargs)
    assert os.listdir(tmp_path) == []


def test_bad_representative_data_and_model(tmp_path, mnist):
    x_train, _ = contract_data("mlp", mnist)
    model = small_model("ae", "mlp", x_train.shape[1:])
    with pytest.raises(ValueError, match=r"representative_data.*Received.*\(4, 28, 28\)"):
        export.export_model(model, tmp_path / "out", quantize="int8",
                            representative_data=x_train[:4, ..., 0])
    with pytest.raises(TypeError, match="Received: model of type str"):
        export.export_model("ae.keras", tmp_path / "out")
    assert os.listdir(tmp_path) == []


def test_int8_refused_for_recurrent(tmp_path, mnist):
    x_train, _ = contract_data("recurrent", mnist)
    model = small_model("ae", "recurrent", x_train.shape[1:])
    with pytest.raises(ValueError, match="recurrent.*Received: quantize='int8'"):
        export.export_model(model, tmp_path / "out", formats=("tflite",), quantize="int8",
                            representative_data=x_train[:32])
    assert os.listdir(tmp_path) == []


def test_existing_target_needs_overwrite(tmp_path, mnist):
    x_train, _ = contract_data("mlp", mnist)
    model = small_model("ae", "mlp", x_train.shape[1:])
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="overwrite"):
        export.export_model(model, out, formats=("onnx",), endpoints=("encode",))
    assert os.listdir(out) == ["keep.txt"] and leftovers(tmp_path) == []
    export.export_model(model, out, formats=("onnx",), endpoints=("encode",), overwrite=True)
    assert sorted(os.listdir(out)) == ["encode.onnx", "manifest.json", "reference.npz"]
    assert leftovers(tmp_path) == []


def test_unwritable_target(tmp_path, mnist):
    x_train, _ = contract_data("mlp", mnist)
    model = small_model("ae", "mlp", x_train.shape[1:])
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(PermissionError, match="not writable"):
        export.export_model(model, blocker / "out", formats=("onnx",))
    assert sorted(os.listdir(tmp_path)) == ["a_file"]


def test_failure_midway_leaves_nothing(tmp_path, mnist):
    """A failure after some artifacts are written (here: the progress callback
    raising) removes the temporary folder and leaves an existing target as is."""
    x_train, _ = contract_data("mlp", mnist)
    model = small_model("ae", "mlp", x_train.shape[1:])
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")

    def fail_after_first_artifact(line):
        if "wrote" in line:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        export.export_model(model, out, formats=("onnx",), overwrite=True,
                            progress=fail_after_first_artifact)
    assert sorted(os.listdir(tmp_path)) == ["out"]
    assert os.listdir(out) == ["keep.txt"]
