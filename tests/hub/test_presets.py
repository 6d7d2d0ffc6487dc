"""Shipped presets: offline sha256-verified loading, manifest fields, a re-measured metric."""

import json
import os
import shutil
import time

import keras
import numpy as np
import pytest

import zoo
from zoo import evaluation, hub

MANIFEST = hub.read_manifest()["presets"]
FIELDS = ("file", "sha256", "variant", "backbone", "input_shape", "dataset", "split",
          "preprocessing", "recipe", "metrics", "card", "figure", "bytes", "parameters")


def test_manifest_lists_the_required_presets():
    required = {"ae_mlp_mnist", "ae_conv_mnist", "vae_mlp_mnist", "vae_conv_mnist",
                "mnist_classifier"}
    assert required <= set(zoo.list_presets())
    assert zoo.list_presets() == sorted(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_preset_loads_verified_with_card(name):
    info = zoo.preset_info(name)
    for field in FIELDS:
        assert field in info, field
    path = os.path.join(hub.saved_models_dir(), info["file"])
    assert os.path.getsize(path) == info["bytes"] < hub.MAX_FILE_BYTES
    assert hub.sha256_file(path) == info["sha256"]
    assert info["recipe"].startswith(f"aezoo train {info['variant']} ")
    assert info["recipe"].endswith(f"--preset {name}")
    assert info["metrics"] and all(not isinstance(v, float) or np.isfinite(v)
                                   for v in info["metrics"].values())
    for doc in (info["card"], info["figure"]):
        assert os.path.getsize(os.path.join(hub.saved_models_dir(), doc)) > 0

    model = zoo.load(name)
    x, _ = zoo.datasets.load(info["dataset"], "test")
    outputs = np.asarray(model(x[:3]) if info["variant"] == "classifier"
                         else model.reconstruct(x[:3]))
    expected = (3, 10) if info["variant"] == "classifier" else (3, *info["input_shape"])
    assert outputs.shape == expected
    assert list(x.shape[1:]) == info["input_shape"]


def test_loading_a_preset_is_fast():
    zoo.load("ae_conv_mnist")  # first call pays for imports and registration
    started = time.perf_counter()
    zoo.load("ae_conv_mnist")
    assert time.perf_counter() - started < 1.0


def test_card_metric_is_reproduced_on_the_test_split():
    info = zoo.preset_info("ae_conv_mnist")
    model = zoo.load("ae_conv_mnist")
    x, _ = zoo.datasets.load("mnist5k", "test")
    mse = evaluation.mean_squared_error(x, evaluation.reconstructions(model, x))
    assert mse == pytest.approx(info["metrics"]["mse"], rel=1e-4)
    # The headline target of the preset: well under PCA with as many components.
    assert info["metrics"]["ratio_to_pca"] <= 0.45


def test_cards_meet_the_targets():
    metrics = {name: zoo.preset_info(name)["metrics"] for name in zoo.list_presets()}
    assert metrics["ae_conv_mnist"]["ratio_to_pca"] <= 0.45
    vaes = [m for name, m in metrics.items() if name.startswith("vae_") and "mnist" in name]
    assert min(m["iw_nll"] for m in vaes) <= 92.0
    assert all(m["k"] >= 500 for m in vaes)
    if "vq_vae_conv_mnist" in metrics:
        assert metrics["vq_vae_conv_mnist"]["mse"] <= metrics["ae_conv_mnist"]["mse"]
    ecg = [m["auroc"] for name, m in metrics.items() if name.endswith("_ecg")]
    if ecg:
        assert max(ecg) >= 0.85
    assert metrics["mnist_classifier"]["accuracy"] >= 0.95


@pytest.mark.skipif("ae_conv_ecg" not in MANIFEST, reason="ECG detector preset not trained")
def test_ecg_auroc_is_reproduced_on_the_test_split():
    model = zoo.load("ae_conv_ecg")
    x, y = zoo.datasets.load("ecg_mitdb", "test")
    auroc = evaluation.anomaly_auroc(evaluation.anomaly_scores(model, x), y)
    assert auroc == pytest.approx(zoo.preset_info("ae_conv_ecg")["metrics"]["auroc"], abs=1e-6)


@pytest.mark.slow
def test_vae_iw_nll_is_reproduced():
    info = zoo.preset_info("vae_conv_mnist")
    model = zoo.load("vae_conv_mnist")
    x = zoo.datasets.binarize(zoo.datasets.load("mnist5k", "test")[0])
    nll = float(np.mean(evaluation.iw_nll(model, x, k=info["metrics"]["k"], seed=1)))
    assert nll == pytest.approx(info["metrics"]["iw_nll"], abs=0.5)


def test_unknown_preset_lists_the_available_ones():
    with pytest.raises(ValueError, match="Unknown preset") as error:
        zoo.load("ae_conv_cifar")
    assert "ae_conv_mnist" in str(error.value) and "ae_conv_cifar" in str(error.value)
    with pytest.raises(ValueError, match="ae_mlp_mnist"):
        zoo.preset_info("nope")


def _copy_preset(name, root):
    source = hub.saved_models_dir()
    entry = MANIFEST[name]
    os.makedirs(root / name)
    shutil.copy(os.path.join(source, entry["file"]), root / entry["file"])
    with open(root / hub.MANIFEST_NAME, "w") as f:
        json.dump({"format": 1, "presets": {name: entry}}, f)
    return root / entry["file"]


def test_tampered_file_is_refused_before_loading(tmp_path, monkeypatch):
    path = _copy_preset("ae_conv_mnist", tmp_path)
    monkeypatch.setenv("AEZOO_SAVED_MODELS", str(tmp_path))
    assert zoo.load("ae_conv_mnist").latent_dim == 16  # the intact copy loads
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256 differs") as error:
        zoo.load("ae_conv_mnist")
    assert str(path) in str(error.value)


def _lambda_model(path):
    inputs = keras.Input((4,))
    outputs = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    keras.Model(inputs, outputs).save(path)


def test_lambda_layer_file_is_refused(tmp_path, monkeypatch):
    path = str(tmp_path / "lambda.keras")
    _lambda_model(path)
    with pytest.raises(ValueError, match="unsafe deserialization"):
        zoo.load(path)
    # Also when it sits in a manifest with a matching sha256.
    os.makedirs(tmp_path / "evil")
    shutil.move(path, tmp_path / "evil" / "model.keras")
    entry = {"file": "evil/model.keras",
             "sha256": hub.sha256_file(tmp_path / "evil" / "model.keras")}
    (tmp_path / "manifest.json").write_text(json.dumps({"presets": {"evil": entry}}))
    monkeypatch.setenv("AEZOO_SAVED_MODELS", str(tmp_path))
    with pytest.raises(ValueError, match="safe_mode=True"):
        zoo.load("evil")


def test_missing_file_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such .keras file"):
        zoo.load(str(tmp_path / "absent.keras"))


def test_info_command_prints_the_card_data(capsys):
    from zoo import cli

    assert cli.main(["info", "ae_conv_mnist"]) == 0
    text = capsys.readouterr().out
    info = zoo.preset_info("ae_conv_mnist")
    assert info["recipe"] in text and info["sha256"] in text
    assert f"{info['metrics']['mse']:.4g}" in text
    assert cli.main(["info", "nope"]) == 2
    assert "ae_conv_mnist" in capsys.readouterr().err
