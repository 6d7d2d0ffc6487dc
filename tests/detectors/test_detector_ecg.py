"""Must show (issue 17): the pretrained ECG detector through the detector API.

`ae_conv_ecg` keeps AUROC >= 0.85 on the ecg_mitdb test windows, and at
contamination 0.05 (threshold from the normal training windows) flags at
most 15% of the normal test windows.
"""

import numpy as np
from sklearn.metrics import roc_auc_score

import zoo
from zoo.detectors import AnomalyDetector


def test_pretrained_ecg_detector_keeps_auroc_and_false_positive_rate():
    x_train, _ = zoo.datasets.load("ecg_mitdb", "train")
    x_test, y_test = zoo.datasets.load("ecg_mitdb", "test")
    detector = AnomalyDetector("ae_conv_ecg", score="reconstruction",
                               contamination=0.05).fit(x_train)
    auroc = roc_auc_score(y_test, detector.decision_function(x_test))
    assert auroc >= 0.85, auroc
    labels = detector.predict(x_test)
    false_positive_rate = labels[y_test == 0].mean()
    assert false_positive_rate <= 0.15, false_positive_rate
    # ... while it still catches most windows that touch the abnormal beat.
    assert labels[y_test == 1].mean() >= 0.5
    # The same number as the preset's own measurement (the API adds nothing to the score).
    assert np.isclose(auroc, zoo.preset_info("ae_conv_ecg")["metrics"]["auroc"], atol=1e-6)
