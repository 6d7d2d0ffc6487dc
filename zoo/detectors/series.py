"""Sliding windows over a long series, and per-timestep scores from window scores.

A series is 1-D `(T,)` or `(T, features)`. `sliding_windows` cuts it into
windows of `window` timesteps every `stride` steps (plus one last window that
ends at the final timestep, so every timestep is covered); `per_timestep`
spreads window values back onto the timesteps by averaging over every window
that covers a timestep.

Example:
>>> windows, starts = sliding_windows(np.arange(10.0), window=4, stride=3)
>>> windows.shape, starts.tolist()
((3, 4, 1), [0, 3, 6])
"""

import numbers

import numpy as np


def as_series(series, where="decision_function"):
    """Returns `series` as float64 `(T, features)`; raises on a wrong rank, NaN or inf."""
    try:
        array = np.asarray(series, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where} expects a numeric series of shape (T,) or (T, features). "
                         f"Received: {type(series).__name__} ({error})") from None
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{where} expects a series of shape (T,) or (T, features) when "
                         f"`window` is set. Received: shape={np.shape(series)}")
    bad = ~np.isfinite(array)
    if bad.any():
        t = int(np.argwhere(bad)[0][0])
        kind = "NaN" if np.isnan(array).any() else "inf"
        raise ValueError(f"{where} expects a finite series. Received: {int(bad.sum())} "
                         f"{kind} value(s), the first at timestep {t}")
    return array


def check_window(window, stride):
    """Returns `(window, stride)` as ints (`window` may be None); raises otherwise."""
    for name, value, low in (("window", window, 2), ("stride", stride, 1)):
        if value is None and name == "window":
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise ValueError(f"`{name}` must be an integer >= {low}. Received: {name}={value!r}")
    return (None if window is None else int(window)), int(stride)


def window_starts(length, window, stride):
    """Returns the start of every window: every `stride`, plus one ending at `length`."""
    if length < window:
        raise ValueError(f"The series is shorter than the window: expected at least "
                         f"window={window} timesteps. Received: {length} timesteps")
    starts = np.arange(0, length - window + 1, stride)
    if starts[-1] != length - window:
        starts = np.append(starts, length - window)
    return starts


def sliding_windows(series, window, stride=1):
    """Returns `(windows, starts)`: `(n, window, features)` float64 windows and their starts."""
    series = as_series(series, "sliding_windows")
    starts = window_starts(len(series), window, stride)
    index = starts[:, None] + np.arange(window)[None, :]
    return series[index], starts


def per_timestep(values, starts, length, window):
    """Averages window values onto timesteps.

    Args:
        values: array `(n,)` (one value per window) or `(n, window)` (one per
            timestep of each window).
        starts: int array `(n,)`. Window starts from `sliding_windows`.
        length: int. Timesteps of the series.
        window: int. Timesteps per window.

    Returns:
        float64 array `(length,)`: at each timestep, the mean over the
        windows that cover it.
    """
    values = np.asarray(values, dtype=np.float64)
    starts = np.asarray(starts)
    if values.ndim == 1:
        values = np.repeat(values[:, None], window, axis=1)
    index = starts[:, None] + np.arange(window)[None, :]
    total = np.bincount(index.ravel(), weights=values.ravel(), minlength=length)
    count = np.bincount(index.ravel(), minlength=length)
    return total[:length] / np.maximum(count[:length], 1)
