"""`zoo.training.train`: a recipe from Python, resumable, and the same run as `aezoo train`."""

import os

import numpy as np
import pytest

from zoo import cli, hub
from zoo.training import Recipe, train

OPTIONS = dict(data="digits", latent_dim=4, batch_size=256, option=["hidden_units=(16,)"])
CLI_TINY = ["ae", "--data", "digits", "--latent-dim", "4", "--batch-size", "256",
            "--option", "hidden_units=(16,)"]


def test_python_train_resumes_and_equals_the_cli_run(tmp_path, capsys):
    python_run = str(tmp_path / "python")
    train(Recipe("ae", epochs=1, **OPTIONS), run_dir=python_run)
    model = train(Recipe("ae", epochs=2, **OPTIONS), run_dir=python_run)
    out = capsys.readouterr().out
    assert "resuming from epoch 1" in out and "epoch 2/2" in out
    assert sorted(os.listdir(python_run)) == ["epoch_0002.keras", "history.json", "run.json"]

    cli_run, cli_out = str(tmp_path / "cli"), str(tmp_path / "cli.keras")
    assert cli.main(["train", *CLI_TINY, "--epochs", "1", "--run-dir", cli_run]) == 0
    assert cli.main(["train", *CLI_TINY, "--epochs", "2", "--run-dir", cli_run,
                     "--out", cli_out]) == 0
    # Same recipe, same seed, same resume point: the CLI is this function.
    for mine, theirs in zip(model.get_weights(), hub.load(cli_out).get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_recipe_command_reproduces_the_recipe():
    recipe = Recipe("vae", backbone="conv", latent_dim=32, epochs=40, binarize=True,
                    kl_warmup=10, lr_schedule="cosine", option=["filters=(32, 64)"])
    assert recipe.command(preset="v") == (
        "aezoo train vae --backbone conv --data mnist5k --latent-dim 32 --epochs 40 "
        "--batch-size 128 --learning-rate 0.001 --lr-schedule cosine --kl-warmup 10 "
        "--binarize --seed 0 --option 'filters=(32, 64)' --preset v")
    assert Recipe("classifier", epochs=4).command() == (
        "aezoo train classifier --data mnist5k --epochs 4 --batch-size 128 "
        "--learning-rate 0.001 --seed 0")


@pytest.mark.parametrize("recipe, fragment", [
    (Recipe("ae", kl_warmup=3), "--kl-warmup applies to models with a posterior"),
    (Recipe("vae", codebook_restarts=True), "discrete codes"),
    (Recipe("classifier", data="digits"), "trains on --data mnist5k"),
    (Recipe("ae", epochs=0), "--epochs"),
    (Recipe("no_such_variant"), "Unknown variant"),
])
def test_bad_recipes_fail_before_any_work(tmp_path, recipe, fragment):
    with pytest.raises(ValueError, match=fragment):
        train(recipe, run_dir=str(tmp_path / "run"))
    assert not (tmp_path / "run").exists()
