"""Anomaly metrics (DESIGN §8): AUROC and AUPRC of per-example scores (scikit-learn).

Example:
>>> from zoo import evaluation
>>> evaluation.anomaly_auroc(model.score(x_test), y_test)
0.856
"""

import numpy as np

from zoo.evaluation.common import batched, model_input


def _scores_and_labels(scores, labels, where):
    scores, labels = np.asarray(scores, dtype=np.float64).ravel(), np.asarray(labels).ravel()
    if scores.shape != labels.shape:
        raise ValueError(f"{where} expects one label per score. Received: {scores.shape[0]} "
                         f"scores, {labels.shape[0]} labels")
    if set(np.unique(labels).tolist()) != {0, 1}:
        raise ValueError(f"{where} expects binary labels with both 0 (normal) and 1 (anomaly). "
                         f"Received: classes {np.unique(labels).tolist()}")
    return scores, labels.astype(np.int64)


def anomaly_auroc(scores, labels):
    """Returns the area under the ROC curve of anomaly `scores` (higher = more anomalous).

    Args:
        scores: array `(n,)`, e.g. `model.score(x)`.
        labels: array `(n,)` of 0 (normal) and 1 (anomaly).
    """
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(*reversed(_scores_and_labels(scores, labels, "anomaly_auroc"))))


def anomaly_auprc(scores, labels):
    """Returns the average precision (area under precision-recall) of anomaly `scores`."""
    from sklearn.metrics import average_precision_score

    scores, labels = _scores_and_labels(scores, labels, "anomaly_auprc")
    return float(average_precision_score(labels, scores))


def anomaly_scores(model, x, batch_size=256):
    """Returns `model.score(x)` as a numpy array, computed in batches."""
    x = model_input(model, x, "anomaly_scores")
    return batched(model.score_tensor, x, batch_size)
