"""Training schedules computed inside the train step from `optimizer.iterations`.

With `steps_per_execution > 1` Keras runs several steps per call and batch
callbacks fire once per call, so a weight set from a callback would stay
fixed for the whole call. These schedules are graph computations of the
optimizer's step counter instead: exact at every step, under any
`steps_per_execution`, under XLA and after a reload (the counter is saved
with the optimizer).

The callbacks `zoo.callbacks.KLAnnealing` and `zoo.callbacks.FreeBits` set
them; a model reads them in its loss.
"""

import math

import tensorflow as tf

SCHEDULES = ("cyclical", "linear")
_KINDS = {"constant": 0.0, "linear": 1.0, "cyclical": 2.0}


def kl_fraction(step, schedule, warmup_steps, cycle_steps, ramp_fraction, start):
    """The KL weight at `step` as a fraction of `beta`, in [start, 1] (plain Python).

    `"linear"`: a ramp from `start` to 1 over `warmup_steps`, then 1.
    `"cyclical"`: cycles of `cycle_steps`, each a ramp over the first
    `ramp_fraction` of the cycle, then 1 (Fu et al., NAACL 2019).
    """
    if schedule == "linear":
        progress = min(step / warmup_steps, 1.0)
    else:
        progress = min((step % cycle_steps) / (ramp_fraction * cycle_steps), 1.0)
    return start + (1.0 - start) * progress


def _variable(value, name):
    # A plain tf.Variable: schedule state belongs to the callback that sets it,
    # so it is neither a Keras weight nor saved in the `.keras` file.
    return tf.Variable(value, trainable=False, dtype=tf.float32, name=name)


class StepSchedules:
    """The KL-weight and free-bits schedules of one model, as graph variables.

    A schedule is inactive until a callback sets it; the model's own
    `kl_weight` and `free_bits_threshold` variables apply then.
    """

    def __init__(self):
        # kind, first step, warmup steps, cycle steps, ramp fraction, start.
        self.kl = _variable([0.0, 0.0, 1.0, 1.0, 1.0, 0.0], "kl_schedule")
        # active, first step, nats, free-bits steps (inf: no end).
        self.free_bits = _variable([0.0, 0.0, 0.0, math.inf], "free_bits_schedule")

    # ------------------------------------------------------------ setting

    def set_kl(self, schedule, first_step, warmup_steps, cycle_steps, ramp_fraction, start):
        """Starts a KL schedule whose step 0 is optimizer step `first_step`."""
        self.kl.assign([_KINDS[schedule], float(first_step), float(warmup_steps),
                        float(cycle_steps), float(ramp_fraction), float(start)])

    def clear_kl(self):
        """Stops the KL schedule: the model's `kl_weight` applies again."""
        self.kl.assign([0.0, 0.0, 1.0, 1.0, 1.0, 0.0])

    def set_free_bits(self, nats, first_step, steps=math.inf):
        """Free bits of `nats` per dimension for `steps` optimizer steps from `first_step`."""
        self.free_bits.assign([1.0, float(first_step), float(nats), float(steps)])

    def clear_free_bits(self):
        """Stops the free-bits schedule: the model's `free_bits_threshold` applies again."""
        self.free_bits.assign([0.0, 0.0, 0.0, math.inf])

    # ------------------------------------------------------------ reading

    def kl_weight(self, step, beta, fallback):
        """The KL weight at optimizer step `step` (a tensor), else `fallback`."""
        kind, first, warmup, cycle, ramp, start = tf.unstack(self.kl)
        step = tf.maximum(tf.cast(step, tf.float32) - first, 0.0)
        linear = tf.minimum(step / warmup, 1.0)
        # floormod of float32 steps is exact below 2**24 steps.
        cyclical = tf.minimum(tf.math.floormod(step, cycle) / (ramp * cycle), 1.0)
        progress = tf.where(kind > 1.5, cyclical, linear)
        scheduled = beta * (start + (1.0 - start) * progress)
        return tf.where(kind > 0.5, scheduled, tf.cast(fallback, tf.float32))

    def free_bits_threshold(self, step, fallback):
        """The free-bits threshold at optimizer step `step`, else `fallback`."""
        active, first, nats, steps = tf.unstack(self.free_bits)
        on = tf.cast(step, tf.float32) - first < steps
        scheduled = tf.where(on, nats, 0.0)
        return tf.where(active > 0.5, scheduled, tf.cast(fallback, tf.float32))


def training_step(model):
    """The optimizer's step counter (the step being taken), or 0 without an optimizer."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return tf.constant(0, tf.int64)
    return optimizer.iterations
