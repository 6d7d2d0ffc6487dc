"""Keras callbacks for VAE and VQ-VAE training.

- `KLAnnealing`: moves a VAE's `kl_weight` on a linear or cyclical schedule.
- `FreeBits`: sets (and optionally later removes) a VAE's free-bits threshold.
- `ActiveUnits`: logs a VAE's active units and mean KL each epoch.
- `CodebookRestarts`: re-seeds a VQ-VAE's dead codes from encoder outputs.

Example:
>>> m.fit(x, epochs=20, callbacks=[
...     zoo.callbacks.KLAnnealing("cyclical", cycle_steps=500),
...     zoo.callbacks.ActiveUnits(x_test[:500])])
"""

import math
import time

import keras
import numpy as np

from zoo import checks, evaluation, models
from zoo.models import schedules

SCHEDULES = schedules.SCHEDULES
_EXAMPLE_VARIANT = {"posterior": "vae", "discrete_codes": "vq_vae"}


def _require(model, capability, callback):
    if not models.has_capability(model, capability):
        raise ValueError(
            f"{callback} needs a model with the {capability!r} capability (e.g. a "
            f"'{_EXAMPLE_VARIANT[capability]}'). Received: {type(model).__name__}"
        )


def _optimizer_step(model):
    return int(model.optimizer.iterations.numpy())


class KLAnnealing(keras.callbacks.Callback):
    """Moves the VAE's KL weight on a schedule, exactly at every training step.

    `"linear"`: from `start * beta` up to `beta` over `warmup_steps`
    batches, then `beta`. `"cyclical"`: repeated cycles of `cycle_steps`
    batches; in each, a linear ramp from `start * beta` to `beta` over the
    first `ramp_fraction` of the cycle, then `beta` (Fu et al.). `beta` is
    the model's own `beta`. The step count continues across `fit` calls.

    The weight is computed inside the train step from the optimizer's step
    counter (`zoo.models.schedules`), so it is exact under any
    `steps_per_execution` and under XLA; `kl_weight` shows the weight of the
    last step (logged as `kl_weight` each epoch).

    Args:
        schedule: str. `"linear"` or `"cyclical"`. Defaults to `"linear"`.
        warmup_steps: int. Ramp length for `"linear"`. Defaults to `1000`.
        cycle_steps: int. Cycle length for `"cyclical"`. Defaults to `1000`.
        ramp_fraction: float in (0, 1]. Share of a cycle spent ramping.
            Defaults to `0.5`.
        start: float in [0, 1]. Weight at the start of a ramp, as a fraction
            of `beta`. Defaults to `0.0`.

    Example:
    >>> m.fit(x, epochs=20, callbacks=[zoo.callbacks.KLAnnealing("cyclical", cycle_steps=500)])

    Reference:
    - Bowman et al., "Generating Sentences from a Continuous Space", CoNLL 2016.
    - Fu et al., "Cyclical Annealing Schedule", NAACL 2019.
    """

    def __init__(self, schedule="linear", warmup_steps=1000, cycle_steps=1000,
                 ramp_fraction=0.5, start=0.0):
        super().__init__()
        self.schedule = checks.choice("schedule", schedule, SCHEDULES)
        self.warmup_steps = checks.positive_int("warmup_steps", warmup_steps)
        self.cycle_steps = checks.positive_int("cycle_steps", cycle_steps)
        self.ramp_fraction = checks.number_in_range(
            "ramp_fraction", ramp_fraction, 0.0, 1.0, low_open=True)
        self.start = checks.number_in_range("start", start, 0.0, 1.0)
        # Steps of the schedule already taken (set it to resume a schedule).
        self.step = 0
        self._first_step = None

    def fraction(self, step):
        """The schedule's weight at `step`, as a fraction of `beta`, in [start, 1]."""
        return schedules.kl_fraction(step, self.schedule, self.warmup_steps, self.cycle_steps,
                                     self.ramp_fraction, self.start)

    def _graph_schedules(self):
        return getattr(self.model, "schedules", None)

    def on_train_begin(self, logs=None):
        _require(self.model, "posterior", "KLAnnealing")
        if self._graph_schedules() is not None:
            self._first_step = _optimizer_step(self.model) - self.step
            self._graph_schedules().set_kl(self.schedule, self._first_step, self.warmup_steps,
                                           self.cycle_steps, self.ramp_fraction, self.start)

    def on_train_batch_begin(self, batch, logs=None):
        if self._graph_schedules() is None:  # a model without graph schedules: per batch
            self.model.kl_weight.assign(self.model.beta * self.fraction(self.step))
            self.step += 1

    def _show_last_weight(self):
        if self._graph_schedules() is not None:
            self.step = _optimizer_step(self.model) - self._first_step
            self.model.kl_weight.assign(self.model.beta * self.fraction(max(self.step - 1, 0)))

    def on_epoch_end(self, epoch, logs=None):
        self._show_last_weight()
        if logs is not None:
            logs["kl_weight"] = float(self.model.kl_weight.numpy())

    def on_train_end(self, logs=None):
        # Later `fit` calls without this callback keep the last weight, as a constant.
        self._show_last_weight()
        if self._graph_schedules() is not None:
            self._graph_schedules().clear_kl()


class FreeBits(keras.callbacks.Callback):
    """Sets the VAE's free-bits threshold (nats per latent dimension) during training.

    Below the threshold a dimension's batch-mean KL is not penalized, so the
    encoder can start using every unit before the KL pushes back. With
    `until_epoch` (or `until_step`), the threshold returns to 0 from that
    epoch (training step) on. The threshold is computed inside the train step
    from the optimizer's step counter, so it switches off at the exact step
    under any `steps_per_execution`.

    Args:
        nats: float >= 0. Threshold per latent dimension.
        until_epoch: int or None. First epoch (0-based) without free bits.
            Defaults to `None` (kept for the whole run).
        until_step: int or None. First training step (counted from this
            callback's first step) without free bits. Defaults to `None`.

    Example:
    >>> m.fit(x, epochs=30, callbacks=[zoo.callbacks.FreeBits(0.5, until_epoch=10)])

    Reference:
    - Kingma et al., "Improved Variational Inference with Inverse
      Autoregressive Flow", NeurIPS 2016.
    """

    def __init__(self, nats, until_epoch=None, until_step=None):
        super().__init__()
        self.nats = checks.number_in_range("nats", nats, 0.0)
        if until_epoch is not None:
            until_epoch = checks.positive_int("until_epoch", until_epoch)
        if until_step is not None:
            until_step = checks.positive_int("until_step", until_step)
        self.until_epoch = until_epoch
        self.until_step = until_step
        self._first_step = None

    def on_train_begin(self, logs=None):
        if self._first_step is None:
            self._first_step = _optimizer_step(self.model)

    def on_epoch_begin(self, epoch, logs=None):
        _require(self.model, "posterior", "FreeBits")
        graph = getattr(self.model, "schedules", None)
        on = self.until_epoch is None or epoch < self.until_epoch
        if graph is None:
            self.model.free_bits_threshold.assign(self.nats if on else 0.0)
            return
        steps = math.inf
        if self.until_step is not None:
            steps = self.until_step
        if self.until_epoch is not None:
            # Re-set at every epoch start: an epoch's steps are known only then.
            per_epoch = (self.params or {}).get("steps")
            now = _optimizer_step(self.model) - self._first_step
            remaining = (self.until_epoch - epoch) * per_epoch if on and per_epoch else (
                math.inf if on else 0)
            steps = min(steps, now + remaining)
        graph.set_free_bits(self.nats, self._first_step, steps)

    def on_train_end(self, logs=None):
        graph = getattr(self.model, "schedules", None)
        if graph is not None:
            # Later `fit` calls without this callback keep the last threshold.
            step = _optimizer_step(self.model) - 1
            self.model.free_bits_threshold.assign(
                float(graph.free_bits_threshold(step, self.model.free_bits_threshold)))
            graph.clear_free_bits()


class ActiveUnits(keras.callbacks.Callback):
    """Logs a VAE's active units and KL per latent dimension at the end of each epoch.

    Adds `active_units` (int) and `kl` of each dimension (`kl_dim_<i>`) to
    the epoch logs, so they appear in `fit`'s history.

    Args:
        x: array. Data to measure on (e.g. a validation slice).
        threshold: float. Activity Cov_x(E_q[z]) above which a unit is
            active. Defaults to `0.01`.
        per_dimension: bool. Also log KL per dimension. Defaults to `True`.

    Reference:
    - Burda, Grosse & Salakhutdinov, "Importance Weighted Autoencoders", ICLR 2016.
    """

    def __init__(self, x, threshold=0.01, per_dimension=True):
        super().__init__()
        self.x = np.asarray(x, np.float32)
        self.threshold = checks.number_in_range("threshold", threshold, 0.0)
        self.per_dimension = bool(per_dimension)

    def on_epoch_end(self, epoch, logs=None):
        _require(self.model, "posterior", "ActiveUnits")
        if logs is None:
            return
        logs["active_units"] = evaluation.active_units(self.model, self.x, self.threshold)
        if self.per_dimension:
            for i, value in enumerate(evaluation.kl_per_dimension(self.model, self.x)):
                logs[f"kl_dim_{i}"] = float(value)


class CodebookRestarts(keras.callbacks.Callback):
    """Re-seeds a VQ-VAE's unused codes with encoder outputs of recent data.

    Every `every_steps` batches (or at each epoch end when None), encodes a
    random sample of `x` with the current encoder and gives each code used
    fewer than `min_count` times a randomly chosen encoder output. Logs the
    number of restarted codes per epoch as `restarted_codes`.

    Args:
        x: array. Training data to draw encoder outputs from.
        every_steps: int or None. Restart period in batches. Defaults to
            `None` (each epoch).
        min_count: int. Uses below which a code is dead. Defaults to `1`.
        sample_size: int. Examples encoded per restart. Defaults to `1024`.
        seed: int. Seed of the samples. Defaults to `0`.

    Reference:
    - Dhariwal et al., "Jukebox: A Generative Model for Music", 2020.
    """

    def __init__(self, x, every_steps=None, min_count=1, sample_size=1024, seed=0):
        super().__init__()
        self.x = np.asarray(x, np.float32)
        self.every_steps = None if every_steps is None else checks.positive_int(
            "every_steps", every_steps)
        self.min_count = checks.positive_int("min_count", min_count)
        self.sample_size = checks.positive_int("sample_size", sample_size)
        self.rng = np.random.default_rng(seed)
        self.step = 0
        self.restarted = 0

    def _restart(self):
        index = self.rng.choice(len(self.x), min(self.sample_size, len(self.x)), replace=False)
        self.restarted += self.model.restart_dead_codes(
            self.x[index], self.min_count, seed=int(self.rng.integers(2**31)))

    def on_train_begin(self, logs=None):
        _require(self.model, "discrete_codes", "CodebookRestarts")
        self.step = _optimizer_step(self.model)

    def on_train_batch_end(self, batch, logs=None):
        # With steps_per_execution > 1 this runs once per execution: count optimizer
        # steps and restart at the first call at or after each multiple of every_steps.
        step = _optimizer_step(self.model)
        every = self.every_steps
        if every is not None and step // every > self.step // every:
            self._restart()
        self.step = step

    def on_epoch_end(self, epoch, logs=None):
        if self.every_steps is None:
            self._restart()
        if logs is not None:
            logs["restarted_codes"] = self.restarted
        self.restarted = 0


class EpochProgress(keras.callbacks.Callback):
    """Prints one line per epoch with its logged values and duration.

    Args:
        total_epochs: int. Shown as `epoch i/total`.
        stream: file-like or None. Where to print. Defaults to stdout.
    """

    def __init__(self, total_epochs, stream=None):
        super().__init__()
        self.total_epochs = total_epochs
        self.stream = stream

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        values = " ".join(f"{k}={v:.4g}" for k, v in sorted((logs or {}).items()))
        print(f"epoch {epoch + 1}/{self.total_epochs} {values} "
              f"({time.perf_counter() - self.started:.1f}s)", file=self.stream, flush=True)
