"""The detection figure: the data with flagged spans, and the score histogram with the threshold."""

import numpy as np


def flagged_spans(labels):
    """Returns `[(start, stop), ...]`: the runs of consecutive 1s in `labels` (stop exclusive)."""
    labels = np.asarray(labels).astype(np.int8).ravel()
    edges = np.diff(np.concatenate([[0], labels, [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def detection_figure(path, scores, labels, threshold, series=None, title=None):
    """Writes a two-panel PNG and returns `path`.

    Top: the series (first feature; each further feature faintly) with the
    flagged timesteps shaded, or, for a batch of examples, the score of each
    example with the flagged ones marked. Bottom: the histogram of the scores
    with the threshold.

    Args:
        path: str. PNG file to write.
        scores: array `(n,)`. Anomaly scores (per example or per timestep).
        labels: array `(n,)`. 0/1 decisions.
        threshold: float. The decision threshold.
        series: array `(T,)` or `(T, features)` or None. The series scored.
        title: str or None.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 6), gridspec_kw={"height_ratios": (3, 2)})
    spans = flagged_spans(labels)
    if series is not None:
        values = np.asarray(series, dtype=np.float64).reshape(len(scores), -1)
        for f in range(values.shape[1]):
            top.plot(values[:, f], lw=0.8, color="C0", alpha=1.0 if f == 0 else 0.35)
        for start, stop in spans:
            top.axvspan(start - 0.5, stop - 0.5, color="C3", alpha=0.25, lw=0)
        top.set_xlabel("timestep")
        top.set_ylabel("value")
    else:
        index = np.arange(len(scores))
        top.plot(index, scores, ".", ms=3, color="C0")
        top.plot(index[labels == 1], scores[labels == 1], ".", ms=5, color="C3", label="flagged")
        top.axhline(threshold, color="C3", lw=1, ls="--")
        top.set_xlabel("example")
        top.set_ylabel("anomaly score")
    top.set_title(title or f"{int(labels.sum())} of {len(labels)} flagged "
                  f"({len(spans)} span{'s' if len(spans) != 1 else ''})")
    bottom.hist(scores, bins=60, color="C0")
    bottom.axvline(threshold, color="C3", lw=1.5, ls="--", label=f"threshold {threshold:.4g}")
    bottom.set_xlabel("anomaly score")
    bottom.set_ylabel("count")
    bottom.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
