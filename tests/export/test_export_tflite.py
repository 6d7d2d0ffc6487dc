"""LiteRT export over every variant x backbone, and quantization (float16, dynamic, int8)."""

import os

import keras
import numpy as np
import pytest
from support import contract_data, small_model

import export
import zoo
from export import common, testing
from export.tflite import op_names

FORBIDDEN = ("RANDOM", "MULTINOMIAL", "FLEX", "CUSTOM")


@pytest.mark.parametrize("variant,backbone", testing.matrix_params())
def test_tflite_matches_keras(variant, backbone, mnist):
    x_train, x_test = contract_data(backbone, mnist)
    model, report, data = testing.matrix_export(variant, backbone, x_train, x_test, small_model)
    artifacts = [a for a in report.artifacts if a["format"] == "tflite"]
    assert {a["endpoint"] for a in artifacts} == set(common.ENDPOINTS)
    for artifact in artifacts:
        assert artifact["parity"]["worst"]["passed"], (artifact["id"], artifact["parity"]["worst"])
        path = os.path.join(report.out_dir, artifact["file"])
        run = export.load_runtime(path)
        assert run.static_batch == (1 if backbone == "recurrent" else None)
        testing.assert_matches_keras(model, run, artifact, data)
        ops = op_names(path)
        assert not [op for op in ops if any(f in op.upper() for f in FORBIDDEN)], ops
        assert not artifact.get("forbidden_ops"), artifact["forbidden_ops"]


@pytest.fixture(scope="module")
def trained_conv_ae():
    """A conv AE trained a few epochs on mnist5k (4,000 digits), and 500 test digits."""
    keras.utils.set_random_seed(0)
    x_train, _ = zoo.datasets.load("mnist5k", "train")
    x_test, _ = zoo.datasets.load("mnist5k", "test")
    model = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=16, backbone="conv",
                      filters=(16, 32), loss="bce")
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    model.fit(x_train, epochs=3, batch_size=128, verbose=0)
    return model, x_train, x_test[:500]


def reconstruction_mse(run, x):
    return float(np.mean((run(x) - x) ** 2))


@pytest.mark.slow
def test_int8_is_small_and_accurate(trained_conv_ae, tmp_path):
    model, x_train, x_test = trained_conv_ae
    fp32 = export.export_model(model, tmp_path / "fp32", formats=("tflite",),
                               representative_data=x_test)
    int8 = export.export_model(model, tmp_path / "int8", formats=("tflite",), quantize="int8",
                               representative_data=x_train[:500])
    assert fp32.passed and int8.passed
    sizes = {}
    for endpoint in common.ENDPOINTS:
        small = os.path.getsize(tmp_path / "int8" / f"{endpoint}.tflite")
        full = os.path.getsize(tmp_path / "fp32" / f"{endpoint}.tflite")
        sizes[endpoint] = small / full
    assert sizes["reconstruct"] <= 0.35, sizes
    assert max(sizes.values()) <= 0.35, sizes

    run_fp32 = export.load_runtime(tmp_path / "fp32" / "reconstruct.tflite")
    run_int8 = export.load_runtime(tmp_path / "int8" / "reconstruct.tflite")
    keras_mse = float(np.mean((np.asarray(model.reconstruct(x_test)) - x_test) ** 2))
    fp32_mse, int8_mse = reconstruction_mse(run_fp32, x_test), reconstruction_mse(run_int8, x_test)
    assert abs(fp32_mse / keras_mse - 1) < 1e-4
    assert int8_mse <= 1.05 * fp32_mse, (int8_mse, fp32_mse)
    assert "INT8" not in " ".join(op_names(tmp_path / "fp32" / "reconstruct.tflite"))
    ops = op_names(tmp_path / "int8" / "reconstruct.tflite")
    assert "QUANTIZE" in ops and "DEQUANTIZE" in ops  # float io around an int8 graph
    io = int8.manifest["artifacts"][2]["quantization"]
    assert io["mode"] == "int8" and io["io"]["inputs/x"]["dtype"] == "float32"
    # The recorded judgement: reconstruction-loss increase within 5%.
    for artifact in int8.artifacts:
        worst = artifact["parity"]["worst"]
        assert worst["passed"] and worst["loss_increase"] <= 0.05, (artifact["id"], worst)


@pytest.mark.slow
@pytest.mark.parametrize("quantize", ["float16", "dynamic"])
def test_float16_and_dynamic_within_tolerance(trained_conv_ae, tmp_path, quantize):
    model, _, x_test = trained_conv_ae
    report = export.export_model(model, tmp_path / quantize, formats=("tflite",),
                                 quantize=quantize, representative_data=x_test)
    assert report.passed
    fp32_bytes = sum(os.path.getsize(p) for p in _fp32_files(model, tmp_path))
    small_bytes = sum(a["bytes"] for a in report.artifacts)
    assert small_bytes < 0.6 * fp32_bytes, (small_bytes, fp32_bytes)
    for artifact in report.artifacts:
        assert artifact["tolerance"] == common.tolerance("tflite", quantize)
        run = export.load_runtime(tmp_path / quantize / artifact["file"])
        testing.assert_matches_keras(model, run, artifact, x_test[64:])


def _fp32_files(model, tmp_path):
    out = tmp_path / "fp32-for-size"
    if not out.exists():
        export.export_model(model, out, formats=("tflite",))
    return [out / f"{e}.tflite" for e in common.ENDPOINTS]


@pytest.mark.slow
@pytest.mark.skipif("vq_vae" not in zoo.list_models(), reason="vq_vae is not registered")
def test_int8_vq_codes_agree(tmp_path):
    """int8 VQ-VAE: codes mostly agree with Keras and reconstructions stay within 5%."""
    keras.utils.set_random_seed(0)
    x_train, _ = zoo.datasets.load("mnist5k", "train")
    x_test, _ = zoo.datasets.load("mnist5k", "test")
    model = zoo.build("vq_vae", input_shape=(28, 28, 1), latent_dim=16, backbone="conv",
                      filters=(16, 32))
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    model.fit(x_train, epochs=3, batch_size=128, verbose=0)
    report = export.export_model(model, tmp_path / "vq", formats=("tflite",), quantize="int8",
                                 representative_data=x_test[:500], strict=False)
    worst = {a["id"]: a["parity"]["worst"] for a in report.artifacts}
    assert worst["tflite/encode"]["codes"]["code_agreement"] >= common.INT8_MIN_CODE_AGREEMENT
    assert report.passed, worst
