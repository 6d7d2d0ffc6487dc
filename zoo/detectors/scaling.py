"""Input scaling learned in `fit`: standard, per-window, or none.

- `"standard"`: subtract the training mean and divide by the training
  standard deviation (per feature for series, one scalar for images).
- `"window"`: subtract each window's own mean (per feature), then divide by
  the standard deviation of the mean-subtracted training windows: level
  shifts and trends disappear, shape remains (the `ecg_mitdb` protocol).
- `"none"`: the data as given (for a pretrained model fed its own
  preprocessing).
"""

import numpy as np

SCALINGS = ("standard", "window", "none")


def fit_scaling(x, mode):
    """Returns the scaling statistics of `mode` learned on examples `x` `(n, ...)`."""
    if mode == "none":
        return {"mode": "none", "offset": 0.0, "scale": 1.0}
    x = np.asarray(x, dtype=np.float64)
    # Per feature (last axis) for sequences `(n, T, F)`, one scalar for images and vectors.
    axes = tuple(range(x.ndim - 1)) if x.ndim == 3 else None
    if mode == "window":
        x = x - x.mean(axis=1, keepdims=True)
        offset = 0.0
    else:
        offset = x.mean(axis=axes)
    scale = x.std(axis=axes)
    scale = np.where(scale > 1e-12, scale, 1.0)
    return {"mode": mode, "offset": offset, "scale": scale}


def apply_scaling(x, statistics):
    """Returns float32 `x` scaled with `statistics` from `fit_scaling`."""
    x = np.asarray(x, dtype=np.float64)
    if statistics["mode"] == "window":
        x = x - x.mean(axis=1, keepdims=True)
    return ((x - statistics["offset"]) / statistics["scale"]).astype(np.float32)
