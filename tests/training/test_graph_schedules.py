"""KL annealing, free bits and learning-rate schedules are exact at every step.

The weights are computed inside the train step from `optimizer.iterations`,
so with 32 steps per execution (where batch callbacks fire once per 32
steps) and under XLA every step still gets its own value. A VAE subclass
records, inside the graph, the values each step actually used.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo.variants.vae import VAE

STEPS_PER_EPOCH = 32
EPOCHS = 2
STEPS = STEPS_PER_EPOCH * EPOCHS
BATCH = 4


class RecordingVAE(VAE):
    """A VAE that writes the KL weight, free-bits threshold and learning rate of each step."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.record = tf.Variable(tf.fill([3, STEPS], -1.0), trainable=False)

    def loss_terms(self, x, target, training=False):
        terms = super().loss_terms(x, target, training=training)
        if training:
            step = tf.cast(self.optimizer.iterations, tf.int32)
            rate = tf.cast(self.optimizer.learning_rate, tf.float32)
            values = tf.stack([terms["kl_weight"], terms["free_bits_threshold"], rate])
            self.record.scatter_nd_update([[0, step], [1, step], [2, step]], values)
        return terms


@pytest.fixture(scope="module")
def data():
    x, _ = zoo.datasets.load("mnist5k", "train")
    return zoo.datasets.binarize(x[: STEPS_PER_EPOCH * BATCH])


def recorded(x, steps_per_execution, jit_compile, callbacks, learning_rate=1e-3, beta=2.0):
    model = RecordingVAE(input_shape=x.shape[1:], latent_dim=2, hidden_units=(8,), beta=beta)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  steps_per_execution=steps_per_execution, jit_compile=jit_compile)
    history = model.fit(x, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
                        callbacks=callbacks)
    return model, model.record.numpy(), history.history


EXECUTIONS = [(1, False), (32, False), (32, True)]


@pytest.mark.parametrize("steps_per_execution,jit_compile", EXECUTIONS)
def test_kl_weight_and_learning_rate_follow_the_formula_at_every_step(
        data, steps_per_execution, jit_compile):
    annealing = zoo.callbacks.KLAnnealing("cyclical", cycle_steps=20, ramp_fraction=0.5,
                                          start=0.1)
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, STEPS, alpha=0.05)
    model, record, history = recorded(data, steps_per_execution, jit_compile, [annealing],
                                      learning_rate=schedule)
    expected = [2.0 * annealing.fraction(s) for s in range(STEPS)]
    np.testing.assert_allclose(record[0], expected, rtol=1e-6, atol=1e-7)
    # A cyclical schedule really moves: ramps restart every 20 steps.
    assert record[0][20] == pytest.approx(0.2) and record[0][19] == pytest.approx(2.0)
    np.testing.assert_allclose(record[2], [float(schedule(s)) for s in range(STEPS)],
                               rtol=1e-5)
    # The logged weight is the last step's, and the step count reached every batch.
    assert history["kl_weight"] == pytest.approx([expected[31], expected[63]])
    assert annealing.step == STEPS
    assert model.steps_per_execution == steps_per_execution


@pytest.mark.parametrize("steps_per_execution,jit_compile", EXECUTIONS[:2])
def test_linear_annealing_continues_across_fit_calls_and_then_stays(data, steps_per_execution,
                                                                    jit_compile):
    annealing = zoo.callbacks.KLAnnealing("linear", warmup_steps=100)
    model, record, _ = recorded(data, steps_per_execution, jit_compile, [annealing], beta=1.0)
    np.testing.assert_allclose(record[0], np.arange(STEPS) / 100, atol=1e-7)
    model.record.assign(tf.fill([3, STEPS], -1.0))
    model.optimizer.iterations.assign(0)  # reuse the record's indices for the second call
    model.fit(data, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[annealing])
    np.testing.assert_allclose(model.record.numpy()[0, :STEPS_PER_EPOCH],
                               (STEPS + np.arange(STEPS_PER_EPOCH)) / 100, atol=1e-6)
    # Without the callback, the last weight stays (the callback no longer drives it).
    last = (STEPS + STEPS_PER_EPOCH - 1) / 100
    assert float(model.kl_weight.numpy()) == pytest.approx(last)
    model.optimizer.iterations.assign(0)
    model.fit(data, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(model.record.numpy()[0, :STEPS_PER_EPOCH], last, rtol=1e-6)


@pytest.mark.parametrize("steps_per_execution,jit_compile", EXECUTIONS[:2])
@pytest.mark.parametrize("until", [{"until_epoch": 1}, {"until_step": 40}])
def test_free_bits_switch_off_at_the_exact_step(data, steps_per_execution, jit_compile, until):
    free_bits = zoo.callbacks.FreeBits(0.5, **until)
    model, record, _ = recorded(data, steps_per_execution, jit_compile, [free_bits])
    last_on = 32 if "until_epoch" in until else 40
    np.testing.assert_array_equal(record[1][:last_on], 0.5)
    np.testing.assert_array_equal(record[1][last_on:], 0.0)
    # No schedule: the constant kl_weight (beta) applied at every step.
    np.testing.assert_array_equal(record[0], 2.0)
    assert float(model.free_bits_threshold.numpy()) == 0.0


def test_free_bits_change_the_loss_at_that_step(data):
    """The threshold is not only recorded: the KL term the loss penalizes follows it."""
    model = VAE(input_shape=data.shape[1:], latent_dim=2, hidden_units=(8,))
    model.compile(optimizer="adam")
    batch = tf.constant(data[:BATCH])

    def terms():
        tf.random.set_seed(1)  # the same posterior sample each time
        return model.loss_terms(batch, batch)

    plain = terms()
    model.schedules.set_free_bits(50.0, first_step=0, steps=1)
    lifted = terms()
    # Each dimension's KL (well below 50 nats) is lifted to 50: the loss gains 100 - KL.
    kl_gap = 2 * 50.0 - float(lifted["kl"])
    assert float(lifted["loss"]) - float(plain["loss"]) == pytest.approx(kl_gap, rel=1e-4)
    model.optimizer.iterations.assign(1)  # step 1: past the one free-bits step
    assert float(terms()["loss"]) == pytest.approx(float(plain["loss"]), rel=1e-6)
