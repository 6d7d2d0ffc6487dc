"""Series mode: a detector trained from scratch scores every timestep of a real series.

Yahoo's labelled series (sktime ships it: 1,000 samples with trend and
season, 7 labelled anomalous points) is given whole to `fit`, unlabelled;
the per-timestep scores must rank the labelled timesteps first (AUROC >= 0.95).
The slow tests do the same on other real series with an injected anomalous
segment, at the default training budget.
"""

import os

import numpy as np
import pandas as pd
import pytest
import sktime
from sklearn.metrics import roc_auc_score

from zoo.detectors import AnomalyDetector, per_timestep, sliding_windows

DATA = os.path.join(os.path.dirname(sktime.__file__), "datasets", "data")


def yahoo():
    table = pd.read_csv(os.path.join(DATA, "yahoo", "yahoo.csv"))
    return table["data"].to_numpy(np.float64), table["label"].to_numpy()


def test_sliding_windows_cover_every_timestep_and_average_back():
    series = np.arange(10.0)
    windows, starts = sliding_windows(series, window=4, stride=4)
    # Every 4 steps, plus one last window ending at the final timestep.
    assert windows.shape == (3, 4, 1) and starts.tolist() == [0, 4, 6]
    # Averaging each window's own values back onto the timesteps returns the series.
    np.testing.assert_allclose(per_timestep(windows[..., 0], starts, 10, 4), series)
    # One value per window: timestep 6 is covered by windows 1 and 2, timestep 3 by window 0.
    spread = per_timestep(np.array([1.0, 3.0, 5.0]), starts, 10, 4)
    assert spread[6] == 4.0 and spread[3] == 1.0


def test_from_scratch_detector_scores_each_timestep_of_a_real_series():
    series, labels = yahoo()
    detector = AnomalyDetector(window=32, stride=2, epochs=10, contamination=0.01).fit(series)
    scores = detector.decision_function(series)
    assert scores.shape == series.shape == detector.decision_scores_.shape
    auroc = roc_auc_score(labels, scores)
    assert auroc >= 0.95, auroc
    flagged = detector.predict(series)
    assert flagged.shape == series.shape
    # Most labelled points are flagged, and few others (contamination 1%).
    assert flagged[labels == 1].mean() >= 0.7 and flagged[labels == 0].mean() <= 0.02


def test_series_with_features_and_a_stride():
    series = yahoo()[0][:400]
    two = np.stack([series, -series], axis=1)
    detector = AnomalyDetector(window=32, stride=4, epochs=2).fit(two)
    assert detector.decision_function(two).shape == (400,)
    assert detector.model_.data_shape == (32, 2)


def inject(series, kind, start, length):
    """Returns `(series, labels)` with one anomalous segment of `length` at `start`."""
    series, labels = series.copy(), np.zeros(len(series), np.int64)
    segment = slice(start, start + length)
    labels[segment] = 1
    part = series[segment]
    if kind == "noise":
        series[segment] = part.mean() + np.random.default_rng(0).normal(0, series.std(), length)
    elif kind == "amplified":
        series[segment] = part.mean() + 2.5 * (part - part.mean())
    elif kind == "shift":
        series[segment] = part + 2 * series.std()
    return series, labels


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["noise", "amplified", "shift"])
def test_default_detector_finds_an_injected_segment(kind):
    # GunPoint's segmentation series: 1,874 samples of real hand-motion recordings.
    gunpoint = pd.read_csv(os.path.join(DATA, "segmentation", "GunPoint.csv"),
                           header=None)[1].to_numpy(np.float64)
    series, labels = inject(gunpoint, kind, 500 if kind == "shift" else 1200, 60)
    scores = AnomalyDetector(window=32, epochs=10).fit(series).decision_function(series)
    auroc = roc_auc_score(labels, scores)
    assert auroc >= 0.95, auroc
