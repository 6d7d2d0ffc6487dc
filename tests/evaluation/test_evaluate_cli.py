"""`aezoo evaluate`: a table on screen, JSON on disk, one-line errors."""

import json

import keras
import pytest

import zoo
from zoo import cli


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    """A briefly trained AE and VAE on 8x8 digits, saved as .keras files."""
    folder = tmp_path_factory.mktemp("models")
    x_train, _ = zoo.datasets.load("digits", "train")
    paths = {}
    for variant in ("ae", "vae"):
        keras.utils.set_random_seed(0)
        model = zoo.build(variant, input_shape=(8, 8, 1), latent_dim=6, hidden_units=(64,))
        model.compile(optimizer=keras.optimizers.Adam(3e-3))
        model.fit(x_train, epochs=15, batch_size=64, verbose=0)
        paths[variant] = str(folder / f"{variant}.keras")
        model.save(paths[variant])
    return paths


def test_evaluate_ae_prints_a_table_and_writes_json(saved_models, tmp_path, capsys):
    out = tmp_path / "ae.json"
    assert cli.main(["evaluate", saved_models["ae"], "--data", "digits", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    for key in ("mse", "psnr", "pca_mse", "linear_probe_accuracy"):
        assert key in report, key
    assert "elbo" not in report and "auroc" not in report
    assert report["linear_probe_accuracy"] > 0.7
    assert report["mse"] < 0.1
    printed = capsys.readouterr().out
    assert "pca_mse" in printed and "linear_probe_accuracy" in printed


def test_evaluate_vae_adds_the_likelihood_metrics(saved_models, tmp_path):
    out = tmp_path / "vae.json"
    assert cli.main(["evaluate", saved_models["vae"], "--data", "digits", "--k", "20",
                     "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    for key in ("elbo", "iw_nll", "active_units", "kl_per_dim"):
        assert key in report, key
    assert "fid" not in report  # 8x8 digits: no MNIST classifier applies
    assert len(report["kl_per_dim"]) == 6
    assert report["iw_nll"] <= -report["elbo"] + 0.5


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--data", "no_such_data"], "Unknown dataset"),
        (["--data", "mnist5k"], "shape (batch, 8, 8, 1)"),
        (["--data", "digits", "--metrics", "mse,nonsense"], "Unknown metric"),
        (["--data", "digits", "--k", "0"], "`k` must be an integer >= 1"),
        ([], "--data is needed"),
    ],
)
def test_user_errors_print_one_line(saved_models, arguments, message, capsys):
    assert cli.main(["evaluate", saved_models["ae"], *arguments]) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and len(error.splitlines()) == 1


def test_evaluate_a_preset_by_name_reproduces_its_card(tmp_path):
    if "ae_mlp_mnist" not in zoo.list_presets():
        pytest.skip("the ae_mlp_mnist preset is not installed")
    out = tmp_path / "preset.json"
    assert cli.main(["evaluate", "ae_mlp_mnist", "--metrics", "mse,pca_mse",
                     "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    recorded = zoo.preset_info("ae_mlp_mnist")["metrics"]
    assert report["data"] == "mnist5k"
    assert report["mse"] == pytest.approx(recorded["mse"], rel=1e-4)
    assert report["pca_mse"] == pytest.approx(recorded["pca_mse"], rel=1e-4)


def test_unknown_preset_is_a_user_error(capsys):
    assert cli.main(["evaluate", "no_such_preset", "--data", "digits"]) == 2
    assert "no_such_preset" in capsys.readouterr().err


def test_missing_model_is_a_user_error(tmp_path, capsys):
    assert cli.main(["evaluate", str(tmp_path / "none.keras"), "--data", "digits"]) == 2
    assert "none.keras" in capsys.readouterr().err
