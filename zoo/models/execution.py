"""How an aezoo model runs: training defaults that amortize Keras' per-step cost, and
inference batch by batch.

Training. On a CPU, Keras' fixed cost per `train_function` call dominates
small models: the same MLP VAE trains 3.5k samples/s with
`steps_per_execution=1` and 6.0k with 40 (DESIGN §9). `Autoencoder.compile`
therefore runs up to `STEPS_PER_EXECUTION` steps per call (a count that divides the
epoch, chosen per `fit`) unless told otherwise;
schedules that must change at every step live in the graph
(`zoo.models.schedules`). XLA (`jit_compile=True`) speeds MLPs up and
slows convolutions down on a CPU, and compiling costs seconds, so with
`jit_compile="auto"` each `fit` decides: XLA when the backbone gains from it
(`Backbone.xla_on_cpu`), the run is long enough to repay the compilation
(`XLA_MIN_STEPS`), and nothing rules it out (a distribution strategy, mixed
precision, a variant that opts out with `xla_training = False`). With a GPU,
Keras' own `"auto"` rule applies.

Inference. `encode`, `decode`, `reconstruct` and `score` take numpy (or
anything numpy converts) and return numpy, computed `batch_size` examples at
a time, so memory grows with the batch, not with the data. A `tf.Tensor` or
`tf.Variable` gives a tensor, computed with TensorFlow ops only, so that
`tf.GradientTape` sees through it. Both are checked before any work.
"""

import math

import numpy as np
import tensorflow as tf

from zoo import checks

AUTO = "auto"
STEPS_PER_EXECUTION = 32
# XLA compiles the MLP VAE's train step in ~5-10 s on this CPU and saves ~15-30% per
# step; below about this many steps in one `fit` call the compilation does not pay.
XLA_MIN_STEPS = 1000
INFERENCE_BATCH_SIZE = 256


# ------------------------------------------------------------------ training


def resolve_compile_options(steps_per_execution, jit_compile):
    """Returns `(steps_per_execution, jit_compile, auto_steps, auto_jit)` for `compile`.

    `"auto"` (or None) means aezoo's choice: `STEPS_PER_EXECUTION`, and XLA
    decided per `fit` call (off until then).
    """
    auto_steps = steps_per_execution is None or steps_per_execution == AUTO
    auto_jit = jit_compile is None or jit_compile == AUTO
    if auto_steps:
        # Keras 3.15's multi-step loop fails under MirroredStrategy ("must feed a value
        # for placeholder"): one step per call there.
        steps_per_execution = 1 if tf.distribute.has_strategy() else STEPS_PER_EXECUTION
    else:
        steps_per_execution = checks.positive_int("steps_per_execution", steps_per_execution)
    if not auto_jit and not isinstance(jit_compile, bool):
        raise ValueError("`jit_compile` must be True, False or 'auto'. "
                         f"Received: jit_compile={jit_compile!r}")
    return steps_per_execution, (False if auto_jit else jit_compile), auto_steps, auto_jit


def reshuffled_each_epoch(x, y, validation_data, fit_kwargs):
    """Numpy training arrays as a `tf.data.Dataset` drawn in a new order every epoch.

    Keras 3.15 on TensorFlow 2.21 shuffles numpy arrays inside a `tf.data`
    map whose random op restarts with each epoch's iterator: once a global
    seed is set (`keras.utils.set_random_seed`), every epoch repeats the
    first epoch's batches. The MLP VAE of bench/peers/training.py then ends
    100 epochs 0.78 nats behind the same net trained by PyTorch (IW-NLL,
    mean of 3 seeds); drawn afresh every epoch, 0.38 (5 seeds).
    `Dataset.shuffle` with `reshuffle_each_iteration=True` is seeded and
    still reshuffles.

    Returns `(x, y, validation_data, fit_kwargs)` for `keras.Model.fit`;
    unchanged unless `x` is a numpy array and `shuffle` is True (the
    default). `validation_split` takes the last examples, as Keras does.
    """
    if (not isinstance(x, np.ndarray) or fit_kwargs.get("shuffle", True) is not True
            or (y is not None and len(y) != len(x))):  # Keras names the two lengths
        return x, y, validation_data, fit_kwargs
    kwargs = dict(fit_kwargs)
    batch_size = kwargs.pop("batch_size", None) or 32
    kwargs["shuffle"] = False  # the dataset reshuffles itself; Keras warns at True for one
    split = kwargs.pop("validation_split", None) or 0.0
    arrays = (x,) if y is None else (x, y)
    if split:
        cut = len(x) - int(len(x) * split)
        validation_data = tuple(a[cut:] for a in arrays)
        validation_data = validation_data if y is not None else validation_data[0]
        arrays = tuple(a[:cut] for a in arrays)
    if validation_data is not None:
        # What Keras would use: the training batch size, which fit no longer receives.
        kwargs.setdefault("validation_batch_size", batch_size)
    tensors = tuple(tf.convert_to_tensor(a) for a in arrays)

    def gather(indices):
        batch = tuple(tf.gather(t, indices) for t in tensors)
        return batch if y is not None else batch[0]

    n = len(arrays[0])
    dataset = (tf.data.Dataset.range(n).shuffle(n, reshuffle_each_iteration=True)
               .batch(batch_size).map(gather, num_parallel_calls=tf.data.AUTOTUNE))
    options = tf.data.Options()
    # Multi-worker: each worker takes its share of every batch, as Keras' array adapter does.
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options).prefetch(tf.data.AUTOTUNE), None, validation_data, kwargs


def steps_per_epoch(x, fit_kwargs):
    """Steps of one epoch of `fit(x, **fit_kwargs)`, or None when unknown."""
    per_epoch = fit_kwargs.get("steps_per_epoch")
    if per_epoch is None:
        if isinstance(x, tf.data.Dataset):
            cardinality = int(x.cardinality())
            per_epoch = cardinality if cardinality >= 0 else None
        elif hasattr(x, "shape") and len(getattr(x, "shape", ())) > 0:
            per_epoch = math.ceil(x.shape[0] / (fit_kwargs.get("batch_size") or 32))
    return per_epoch


def planned_steps(x, fit_kwargs):
    """Training steps that a `fit(x, **fit_kwargs)` call will run, or None when unknown."""
    epochs = fit_kwargs.get("epochs", 1) - fit_kwargs.get("initial_epoch", 0)
    per_epoch = steps_per_epoch(x, fit_kwargs)
    return None if per_epoch is None else max(epochs, 0) * per_epoch


def even_steps_per_execution(per_epoch, most=STEPS_PER_EXECUTION):
    """Steps per execution, at most `most`, that split an epoch into equal executions.

    Keras reports a short last execution as a full one (the progress bar
    would show 64/40 for 32 + 8 steps), so an epoch of 40 steps runs as
    2 x 20. Without a divisor in [most / 4, most], the executions differ by
    at most one step.
    """
    if per_epoch is None or per_epoch <= 0:
        return most
    if per_epoch <= most:
        return per_epoch
    for steps in range(most, max(most // 4, 1) - 1, -1):
        if per_epoch % steps == 0:
            return steps
    return math.ceil(per_epoch / math.ceil(per_epoch / most))


def wants_xla(model, steps):
    """Whether a `fit` of `steps` steps should run under XLA (see the module docstring)."""
    import keras

    from zoo.models import registry

    if tf.config.list_physical_devices("GPU"):
        return bool(model._resolve_auto_jit_compile())
    if distributed(model):
        return False  # collectives inside an XLA cluster; Keras does the same
    if keras.config.dtype_policy().compute_dtype != "float32":
        return False
    if not getattr(model, "xla_training", True):  # a variant's opt-out (e.g. vq_vae)
        return False
    backbone = getattr(model, "backbone", None)
    if backbone not in registry.list_backbones() or not registry.backbone(backbone).xla_on_cpu:
        return False
    return steps is None or steps >= XLA_MIN_STEPS


def distributed(model):
    """True when `model` trains under a tf.distribute strategy."""
    return tf.distribute.has_strategy() or getattr(model, "_distribute_strategy", None) is not None


def choose_execution(model, x, fit_kwargs):
    """Before a `fit`: the settings `compile` left to aezoo, for this run's length.

    Steps per execution that divide the epoch (`even_steps_per_execution`),
    and XLA on or off (`wants_xla`).
    """
    changed = False
    if getattr(model, "_auto_steps", False):
        steps = 1 if distributed(model) else even_steps_per_execution(
            steps_per_epoch(x, fit_kwargs))
        changed = steps != model.steps_per_execution
        model.steps_per_execution = steps
    if getattr(model, "_auto_jit_compile", False):
        want = wants_xla(model, planned_steps(x, fit_kwargs))
        changed = changed or bool(model.jit_compile) != want
        model.jit_compile = want
    if changed:
        # Keras caches the traced functions: trace them again with the new settings.
        model.train_function = model.test_function = model.predict_function = None


# ----------------------------------------------------------------- inference


def is_tensor(x):
    """True for TensorFlow tensors and variables (eager or symbolic) and Keras tensors."""
    return isinstance(x, tf.Tensor | tf.Variable) or checks.is_symbolic(x)


def checked_tensor(x, shape, where, name="x"):
    """Checks a tensor batch like `checks.batch_array`, with TensorFlow ops only.

    The result is `x` read as float32; a `tf.GradientTape` watching `x` (or
    the variable) sees through the check.
    """
    if checks.is_symbolic(x) and not isinstance(x, tf.Variable):
        return checks.batch_array(x, shape, where, name)  # static shape check only
    expected = "(batch, " + ", ".join(str(d) for d in shape) + ")"
    dtype = tf.as_dtype(x.dtype)
    if not (dtype.is_floating or dtype.is_integer or dtype.is_bool):
        raise TypeError(f"{where} expects `{name}` as a numeric array of shape {expected}. "
                        f"Received: {name}.dtype={dtype.name}")
    static = tuple(x.shape)
    if len(static) != len(shape) + 1 or tuple(static[1:]) != tuple(shape):
        raise ValueError(
            f"{where} expects `{name}` of shape {expected}. Received: {name}.shape={static}")
    if static[0] == 0:
        raise ValueError(f"{where} expects a non-empty batch. Received: {name}.shape={static}")
    tensor = tf.cast(tf.convert_to_tensor(x), tf.float32)
    if dtype.is_floating:
        bad = int(tf.reduce_sum(tf.cast(~tf.math.is_finite(tensor), tf.int32)))
        if bad:
            raise ValueError(f"{where} expects finite values in `{name}`. Received: {bad} NaN "
                             "or inf values")
    return tensor


def batched(function, x, shape, where, name="x", batch_size=INFERENCE_BATCH_SIZE):
    """Runs a tensor `function` over `x` batch by batch; checks `x` first.

    Args:
        function: callable. Maps a float32 batch `(b,) + shape` to outputs
            with the batch axis first.
        x: numpy-convertible array, or a `tf.Tensor` / `tf.Variable`.
        shape: tuple. Shape of one example.
        where: str. Name of the calling method, for error messages.
        name: str. Name of the argument, for error messages.
        batch_size: int. Examples per call.

    Returns:
        A numpy array for numpy input; a tensor for tensor input (differentiable
        with respect to it).
    """
    batch_size = checks.positive_int("batch_size", batch_size)
    if is_tensor(x):
        tensor = checked_tensor(x, shape, where, name)
        n = tensor.shape[0]
        if n is None or n <= batch_size:
            return function(tensor)
        return tf.concat([function(tensor[i: i + batch_size])
                          for i in range(0, n, batch_size)], axis=0)
    array = checks.batch_array(x, shape, where, name)
    outputs = None
    for i in range(0, len(array), batch_size):
        values = np.asarray(function(tf.constant(array[i: i + batch_size])))
        if outputs is None:
            outputs = np.empty((len(array),) + values.shape[1:], values.dtype)
        outputs[i: i + len(values)] = values
    return outputs
