"""`fit` on numpy arrays draws a new batch order every epoch, even under a global seed."""

import keras
import numpy as np
import pytest

import zoo
from zoo.models.execution import reshuffled_each_epoch


def _epochs(dataset, n):
    return [np.concatenate([b.numpy().ravel() for b in dataset]) for _ in range(n)]


def test_seeded_epochs_differ_and_repeat_across_runs():
    x = np.arange(40, dtype="float32").reshape(40, 1)
    runs = []
    for _ in range(2):
        keras.utils.set_random_seed(0)
        dataset, y, _, kwargs = reshuffled_each_epoch(x, None, None, {"batch_size": 8})
        # shuffle=False to Keras: the dataset shuffles itself (True would make Keras warn).
        assert y is None and "batch_size" not in kwargs and kwargs["shuffle"] is False
        runs.append(_epochs(dataset, 3))
    first, second, third = runs[0]
    # Plain Keras 3.15 arrays: every seeded epoch equals the first (the bug avoided here).
    assert not np.array_equal(first, second) and not np.array_equal(second, third)
    assert all(sorted(epoch) == list(range(40)) for epoch in runs[0])
    np.testing.assert_array_equal(np.stack(runs[0]), np.stack(runs[1]))


def test_pairs_stay_paired_and_unshuffled_input_is_left_to_keras():
    x = np.arange(12, dtype="float32").reshape(12, 1)
    dataset, *_ = reshuffled_each_epoch(x, -x, None, {"batch_size": 5})
    for bx, by in dataset:
        np.testing.assert_array_equal(by.numpy(), -bx.numpy())
    for kwargs in ({"shuffle": False}, {"shuffle": "batch"}):
        assert reshuffled_each_epoch(x, None, None, kwargs)[0] is x


def test_validation_split_holds_out_the_last_examples(mnist):
    x = mnist[0][:400]
    keras.utils.set_random_seed(0)
    model = zoo.build("ae", input_shape=x.shape[1:], latent_dim=4, hidden_units=(16,))
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit(x, batch_size=50, epochs=2, validation_split=0.25, verbose=0).history
    held_out = model.evaluate(x[300:], batch_size=50, verbose=0, return_dict=True)
    assert history["val_loss"][-1] == pytest.approx(held_out["loss"], rel=1e-5)
