"""`aezoo sweep`: one model per latent size, JSON + markdown + PNG, PCA beside it."""

import json

import matplotlib.image
import pytest

import zoo
from zoo import cli, evaluation


def test_sweep_writes_table_and_figure(tmp_path, capsys):
    out = tmp_path / "sweep"
    status = cli.main(["sweep", "ae", "--backbone", "mlp", "--data", "digits",
                       "--latent-dims", "8,2", "--epochs", "20", "--batch-size", "64",
                       "--learning-rate", "3e-3", "--option", "hidden_units=(64,)",
                       "--out", str(out)])
    assert status == 0
    report = json.loads((out / "sweep.json").read_text())
    rows = report["rows"]
    assert [r["latent_dim"] for r in rows] == [2, 8]
    x_train, _ = zoo.datasets.load("digits", "train")
    x_test, _ = zoo.datasets.load("digits", "test")
    for row in rows:  # the PCA column is the baseline computed independently
        assert row["pca_mse"] == pytest.approx(
            evaluation.pca_mean_squared_error(x_train, x_test, row["latent_dim"]), rel=1e-6)
    assert rows[1]["mse"] < rows[0]["mse"]  # a larger code reconstructs better
    assert rows[1]["pca_mse"] < rows[0]["pca_mse"]
    assert matplotlib.image.imread(out / "sweep.png").shape[1] > 300
    assert "| 8 |" in (out / "sweep.md").read_text()
    printed = capsys.readouterr().out
    assert "[1/2]" in printed and "[2/2]" in printed


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["ae", "--latent-dims", "2,x"], "--latent-dims expects"),
        (["ae", "--latent-dims", "0,4"], "--latent-dims expects"),
        (["ae", "--latent-dims", "2,100"], "must not exceed"),
        (["no_such_variant"], "Unknown variant"),
        (["ae", "--backbone", "transformer"], "Unknown backbone"),
        (["ae", "--data", "no_such_data"], "Unknown dataset"),
    ],
)
def test_user_errors_print_one_line(tmp_path, arguments, message, capsys):
    status = cli.main(["sweep", *arguments, "--data", "digits", "--epochs", "1",
                       "--out", str(tmp_path / "o")] if "--data" not in arguments else
                      ["sweep", *arguments, "--epochs", "1", "--out", str(tmp_path / "o")])
    assert status == 2
    error = capsys.readouterr().err.strip()
    assert message in error and len(error.splitlines()) == 1
    assert not (tmp_path / "o").exists()
