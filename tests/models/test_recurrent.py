"""recurrent backbone: an LSTM/GRU seq2seq AE reconstructs ECG windows; options are honoured."""

import keras
import numpy as np
import pytest
from support import small_model

import zoo

WINDOW = {"window": 64, "stride": 8}


@pytest.fixture(scope="module")
def ecg():
    x_train, _ = zoo.datasets.load("ecg_mitdb", "train", **WINDOW)
    x_test, y_test = zoo.datasets.load("ecg_mitdb", "test", **WINDOW)
    return x_train, x_test, y_test


def _fit_and_compare(cell, ecg, epochs):
    x_train, x_test, y_test = ecg
    model = small_model("ae", "recurrent", x_train.shape[1:], 16, units=64, cell=cell)
    # Clipping matters: ECG spikes reach 8 training-std units and unclipped
    # steps stall the seq2seq model at the all-zeros output.
    model.compile(optimizer=keras.optimizers.Adam(2e-3, clipnorm=1.0))
    model.fit(x_train, epochs=epochs, batch_size=32, verbose=0)
    normal = x_test[y_test == 0]
    model_mse = float(np.mean((np.asarray(model.reconstruct(normal)) - normal) ** 2))
    # Windows are mean-subtracted, so the per-window-mean baseline predicts zeros.
    baseline_mse = float(np.mean((normal - normal.mean(axis=1, keepdims=True)) ** 2))
    print(f"{cell}: test MSE {model_mse:.3f} vs per-window-mean {baseline_mse:.3f}")
    return model_mse, baseline_mse


@pytest.mark.slow
def test_lstm_reconstructs_ecg_better_than_window_mean(ecg):
    model_mse, baseline_mse = _fit_and_compare("lstm", ecg, epochs=20)
    assert model_mse < 0.75 * baseline_mse


@pytest.mark.slow
def test_gru_reconstructs_ecg_better_than_window_mean(ecg):
    model_mse, baseline_mse = _fit_and_compare("gru", ecg, epochs=40)
    assert model_mse < 0.75 * baseline_mse


def test_dropout_and_weight_decay_are_in_the_networks():
    model = small_model("ae", "recurrent", (16, 2), 4, dropout=0.2, kernel_l2=1e-3, cell="gru")
    layers = model.encoder.layers + model.decoder.layers
    assert any(isinstance(layer, keras.layers.Dropout) for layer in layers)
    recurrent = [layer for layer in layers if isinstance(layer, keras.layers.GRU)]
    assert len(recurrent) == 2
    assert all(layer.kernel_regularizer is not None for layer in recurrent)
    assert len(model.losses) > 0  # the L2 terms enter the training loss


@pytest.mark.parametrize("options,match", [
    ({"cell": "rnn"}, r"cell.*\['gru', 'lstm'\]"),
    ({"units": 0}, r"units.*positive"),
])
def test_bad_options_name_the_choices(options, match):
    with pytest.raises(ValueError, match=match):
        small_model("ae", "recurrent", (16, 2), 4, **options)


def test_refuses_image_shaped_input():
    with pytest.raises(ValueError, match=r"\(timesteps, features\)"):
        small_model("ae", "recurrent", (8, 8, 1), 4)
