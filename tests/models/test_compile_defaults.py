"""`Autoencoder.compile` picks steps_per_execution and XLA unless the caller does.

"auto" (the default): 32 steps per execution; XLA decided per `fit` call,
on for a long MLP run on this CPU, off for convolutions, short runs,
variants that opt out, and mixed precision. What the caller sets is kept.
Timings live in bench/peers/training.py, never here.
"""

import io
import math
import os
from contextlib import redirect_stdout

import keras
import numpy as np
import pytest

import zoo
from zoo.models import execution


def small(backbone="mlp", variant="vae"):
    options = {"hidden_units": (8,)} if backbone == "mlp" else {"filters": (4,)}
    model = zoo.build(variant, input_shape=(28, 28, 1), latent_dim=2, backbone=backbone,
                      **options)
    model.compile(optimizer="adam")
    return model


def test_default_compile_runs_32_steps_per_execution_and_keeps_what_the_caller_sets():
    assert small().steps_per_execution == execution.STEPS_PER_EXECUTION == 32
    model = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=2, hidden_units=(8,))
    model.compile(optimizer="adam", steps_per_execution=5, jit_compile=False)
    assert model.steps_per_execution == 5 and model.jit_compile is False
    with pytest.raises(ValueError, match="jit_compile"):
        model.compile(optimizer="adam", jit_compile="yes")


def test_xla_is_chosen_by_backbone_run_length_and_variant(mnist):
    x = mnist[0]
    long_run = {"epochs": 100, "batch_size": 32}
    assert execution.planned_steps(x, long_run) == 1600
    assert execution.wants_xla(small("mlp"), 1600)
    assert not execution.wants_xla(small("mlp"), 10)  # compilation would not pay
    assert not execution.wants_xla(small("conv"), 10**6)  # convolutions: slower under XLA
    assert not execution.wants_xla(small("mlp", "vq_vae"), 10**6)  # opts out
    keras.config.set_dtype_policy("mixed_float16")
    try:
        assert not execution.wants_xla(small("mlp"), 10**6)
    finally:
        keras.config.set_dtype_policy("float32")
    model = small("mlp")
    execution.choose_execution(model, x, long_run)
    assert model.jit_compile is True and model.train_function is None
    assert model.steps_per_execution == 16  # 512 examples, batch 32: one execution per epoch
    execution.choose_execution(model, x, {"epochs": 1})
    assert model.jit_compile is False
    fixed = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=2, hidden_units=(8,))
    fixed.compile(optimizer="adam", steps_per_execution=3, jit_compile=False)
    execution.choose_execution(fixed, x, long_run)
    assert fixed.jit_compile is False and fixed.steps_per_execution == 3


@pytest.mark.parametrize("per_epoch,expected", [(40, 20), (64, 32), (100, 25), (20, 20),
                                                (37, 19), (1, 1), (None, 32)])
def test_steps_per_execution_split_the_epoch_evenly(per_epoch, expected):
    assert execution.even_steps_per_execution(per_epoch) == expected


def test_progress_history_and_callbacks_behave_with_steps_per_execution(mnist):
    model = small()
    seen = []
    callback = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    output = io.StringIO()
    with redirect_stdout(output):
        history = model.fit(mnist[0][:400], batch_size=10, epochs=3, verbose=1,
                            callbacks=[callback])
    # 40 steps per epoch as 2 x 20: the progress bar counts 40/40 (32 + 8 would show 64/40).
    assert model.steps_per_execution == 20
    assert "40/40" in output.getvalue() and "64/40" not in output.getvalue()
    assert seen == [0, 1, 2]
    assert len(history.history["loss"]) == 3 and np.isfinite(history.history["loss"]).all()
    assert int(model.optimizer.iterations.numpy()) == 120


def test_auto_settings_survive_saving_and_a_resumed_fit(mnist, tmp_path):
    model = small()
    model.fit(mnist[0][:64], batch_size=32, epochs=1, verbose=0)
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.get_compile_config()["steps_per_execution"] == "auto"
    assert loaded.steps_per_execution == 32 and loaded._auto_jit_compile
    assert int(loaded.optimizer.iterations.numpy()) == 2  # optimizer state restored
    loaded.fit(mnist[0][:64], batch_size=32, epochs=1, verbose=0)
    assert int(loaded.optimizer.iterations.numpy()) == 4


def test_the_trainer_uses_the_same_defaults(tmp_path):
    from zoo.training import Recipe, train

    model = train(Recipe("vae", backbone="mlp", data="digits", latent_dim=2, epochs=2,
                         batch_size=64, kl_warmup=1, option=["hidden_units=8"]),
                  run_dir=str(tmp_path / "run"), verbose=False)
    per_epoch = math.ceil(len(zoo.datasets.load("digits", "train")[0]) / 64)
    assert model._auto_steps and model.steps_per_execution == min(per_epoch, 32)
    assert int(model.optimizer.iterations.numpy()) == 2 * per_epoch
    assert float(model.kl_weight.numpy()) == 1.0  # the warm-up ended with the first epoch
