"""Anomaly detectors in the scikit-learn / PyOD convention (DESIGN §13).

`AnomalyDetector` turns an autoencoder (a preset, a `.keras` file, a model,
or one it trains) into an estimator with `fit`, `decision_function`
(higher = more anomalous), `predict` (0 inlier, 1 outlier), `threshold_`,
`decision_scores_` and `labels_`; with `window=W` a long series gets one
score and one label per timestep.

Example:
>>> from zoo.detectors import AnomalyDetector
>>> det = AnomalyDetector("ae_conv_ecg", contamination=0.05).fit(x_train)
>>> det.predict(x_test)
"""

from zoo.detectors.detector import SCORES, AnomalyDetector
from zoo.detectors.series import per_timestep, sliding_windows

__all__ = ["AnomalyDetector", "SCORES", "per_timestep", "sliding_windows"]
