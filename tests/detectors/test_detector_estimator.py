"""`AnomalyDetector` follows scikit-learn's estimator rules and PyOD's names.

On the pretrained `ae_conv_ecg` preset (fit only calibrates, no training):
get/set_params and `clone`, `fit` returning self, learned state ending in
`_`, thresholds at the contamination quantile, 0/1 labels, pipelines.
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import zoo
from zoo.detectors import AnomalyDetector


@pytest.fixture(scope="module")
def ecg():
    x_train, _ = zoo.datasets.load("ecg_mitdb", "train")
    x_test, y_test = zoo.datasets.load("ecg_mitdb", "test")
    return x_train, x_test, y_test


def test_params_round_trip_and_clone_keeps_them():
    detector = AnomalyDetector("ae_conv_ecg", contamination=0.05, score="combined",
                               n_neighbors=7, options={"filters": (8, 16)})
    params = detector.get_params()
    assert params["model"] == "ae_conv_ecg" and params["contamination"] == 0.05
    twin = clone(detector)
    assert twin is not detector and twin.get_params() == params
    twin.set_params(contamination=0.2, window=64)
    assert (twin.contamination, twin.window) == (0.2, 64)
    assert detector.contamination == 0.05  # the original is untouched
    # Every constructor argument is a parameter, stored untouched.
    assert set(params) == {"model", "variant", "backbone", "latent_dim", "window", "stride",
                           "contamination", "epochs", "score", "scaling", "n_neighbors",
                           "iw_samples", "batch_size", "learning_rate", "options", "seed",
                           "verbose"}
    assert detector.options == {"filters": (8, 16)}


def test_fit_returns_self_and_calibrates_at_the_contamination_quantile(ecg):
    x_train, x_test, _ = ecg
    detector = AnomalyDetector("ae_conv_ecg", score="reconstruction", contamination=0.1)
    assert detector.fit(x_train) is detector
    assert not [k for k in vars(clone(detector)) if k.endswith("_")]  # clone drops fitted state
    scores = detector.decision_scores_
    assert scores.shape == (len(x_train),)
    assert detector.labels_.dtype == np.int64 and set(np.unique(detector.labels_)) <= {0, 1}
    assert abs(detector.labels_.mean() - 0.1) < 0.01
    assert detector.threshold_ == pytest.approx(np.quantile(scores, 0.9))
    # Scores on the training data reproduce decision_scores_; predict agrees with labels_.
    np.testing.assert_allclose(detector.decision_function(x_train), scores, rtol=1e-5)
    np.testing.assert_array_equal(detector.predict(x_train), detector.labels_)
    # A lower contamination raises the threshold and flags fewer windows.
    strict = clone(detector).set_params(contamination=0.02).fit(x_train)
    assert strict.threshold_ > detector.threshold_
    assert strict.predict(x_test).sum() < detector.predict(x_test).sum()


def test_scores_match_the_model_score_endpoint(ecg):
    x_train, x_test, _ = ecg
    detector = AnomalyDetector("ae_conv_ecg", score="reconstruction").fit(x_train[:100])
    expected = np.asarray(detector.model_.score(x_test[:50]))
    np.testing.assert_allclose(detector.decision_function(x_test[:50]), expected, rtol=1e-5)


def test_combined_score_beats_each_part_on_ecg(ecg):
    x_train, x_test, y_test = ecg
    from sklearn.metrics import roc_auc_score

    aurocs = {score: roc_auc_score(y_test, AnomalyDetector("ae_conv_ecg", score=score)
                                   .fit(x_train).decision_function(x_test))
              for score in ("reconstruction", "latent_lof", "combined")}
    assert aurocs["combined"] > max(aurocs["reconstruction"], aurocs["latent_lof"]), aurocs


def test_works_as_the_last_step_of_a_pipeline(ecg):
    x_train, x_test, y_test = ecg
    # Any scikit-learn transformer may come first (here the identity).
    pipeline = make_pipeline(FunctionTransformer(lambda x: x * 1.0),
                             AnomalyDetector("ae_conv_ecg", contamination=0.05))
    pipeline.fit(x_train)
    labels = pipeline.predict(x_test)
    assert labels.shape == (len(x_test),)
    assert labels[y_test == 1].mean() > labels[y_test == 0].mean()
