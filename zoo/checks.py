"""Argument and array checks that run before any TensorFlow op.

Every check raises `ValueError` (or `TypeError` for a wrong kind of object)
with what was expected and what was received, in the Keras style.
"""

import numbers

import numpy as np


def positive_int(name, value):
    """Returns `value` as int, or raises if it is not a positive integer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    return int(value)


def number_in_range(name, value, low=None, high=None, low_open=False):
    """Returns `value` as float, or raises if it is outside [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"`{name}` must be a finite number. Received: {name}={value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and value > high
    if too_low or too_high:
        left = "(" if low_open else "["
        span = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}]"
        raise ValueError(f"`{name}` must be in {span}. Received: {name}={value!r}")
    return float(value)


def choice(name, value, choices):
    """Returns `value`, or raises if it is not one of `choices`."""
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {sorted(choices)}. Received: {name}={value!r}"
        )
    return value


def seed(name, value):
    """Returns `value` as int, or None; raises if it is neither an integer nor None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer or None. Received: {name}={value!r}")
    return int(value)


def shape_tuple(name, value):
    """Returns `value` as a tuple of positive ints (a shape without batch axis)."""
    try:
        shape = tuple(value)
    except TypeError:
        shape = None
    if not shape or any(
        isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1 for d in shape
    ):
        raise ValueError(
            f"`{name}` must be a non-empty tuple of positive integers, without the batch "
            f"axis, e.g. (28, 28, 1). Received: {name}={value!r}"
        )
    return tuple(int(d) for d in shape)


def is_symbolic(x):
    """True for graph tensors (inside `tf.function` or a Keras functional build)."""
    module = type(x).__module__
    if module.startswith("keras"):
        return True
    if module.startswith("tensorflow"):
        import tensorflow as tf

        return not tf.executing_eagerly() or not hasattr(x, "numpy")
    return False


def batch_array(x, shape, where, name="x"):
    """Checks a batch of examples against `shape` and returns it as float32.

    Graph tensors get a static shape check only (their values are unknown).
    Everything else is converted with numpy, then checked for kind, rank,
    size, emptiness and non-finite values, before TensorFlow sees it.

    Args:
        x: array-like or tensor of shape `(batch,) + shape`.
        shape: tuple. Expected shape of one example.
        where: str. Name of the calling function, for the message.
        name: str. Name of the argument, for the message.

    Returns:
        A float32 numpy array, or the graph tensor unchanged.
    """
    expected = "(batch, " + ", ".join(str(d) for d in shape) + ")"
    if is_symbolic(x):
        static = tuple(x.shape)
        if len(static) != len(shape) + 1 or any(
            s is not None and s != d for s, d in zip(static[1:], shape, strict=True)
        ):
            raise ValueError(
                f"{where} expects `{name}` of shape {expected}. Received: {name}.shape={static}"
            )
        return x
    if hasattr(x, "numpy") and callable(x.numpy):
        x = x.numpy()
    if isinstance(x, (str, bytes)):
        raise TypeError(
            f"{where} expects `{name}` as a numeric array of shape {expected}. "
            f"Received: {name} of type {type(x).__name__}"
        )
    try:
        array = np.asarray(x)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{where} expects `{name}` as a numeric array of shape {expected}. "
            f"Received: an object numpy cannot convert ({error})"
        ) from None
    if array.dtype.kind not in "fiub":
        raise TypeError(
            f"{where} expects `{name}` as a numeric array of shape {expected}. "
            f"Received: {name}.dtype={array.dtype}"
        )
    if array.shape[1:] != tuple(shape) or array.ndim != len(shape) + 1:
        raise ValueError(
            f"{where} expects `{name}` of shape {expected}. Received: {name}.shape={array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{where} expects a non-empty batch. Received: {name}.shape={array.shape}")
    return finite_float32(array, where, name)


FLOAT32_MAX = float(np.finfo(np.float32).max)


def finite_float32(array, where, name="x"):
    """Returns a numeric numpy array as float32; raises on NaN, inf or float32 overflow."""
    if array.dtype.kind == "f" and array.dtype.itemsize > 4:
        # Check before the cast: a finite float64 beyond float32's range would become inf.
        finite = np.isfinite(array)
        if finite.all():
            beyond = np.abs(array) > FLOAT32_MAX
            if beyond.any():
                raise ValueError(
                    f"{where} expects values within the float32 range (|v| <= "
                    f"{FLOAT32_MAX:.4g}) in `{name}`. Received: {int(beyond.sum())} values "
                    f"beyond it, e.g. {float(array[beyond].flat[0]):g}"
                )
    array = array.astype(np.float32, copy=False)
    finite = np.isfinite(array)
    if not finite.all():
        raise ValueError(
            f"{where} expects finite values in `{name}`. Received: {int((~finite).sum())} NaN "
            "or inf values"
        )
    return array
