"""Bad input to `zoo.detectors.AnomalyDetector` and `aezoo detect`: one clear error each.

The cases live in `tests/reliability_cases.py` (area `detectors`), so they
appear in docs/reliability.md with the outcome observed here.
"""

import numpy as np
import pytest
from reliability_cases import case, check_call, check_cli, ids, run_cli

import zoo
from zoo.detectors import AnomalyDetector


@pytest.fixture(scope="module")
def ecg_series():
    """The first 1,200 samples of the MIT-BIH excerpt, as the raw 1-D series."""
    import os

    import pandas as pd
    import sktime

    path = os.path.join(os.path.dirname(sktime.__file__), "datasets", "data", "mitdb",
                        "mitdb.csv")
    return pd.read_csv(path)["data"].to_numpy(np.float64)[:1200]


@pytest.fixture(scope="module")
def ecg_windows():
    return zoo.datasets.load("ecg_mitdb", "train")[0][:64]


def _calls(ecg_series, ecg_windows):
    series_nan = ecg_series[:200].copy()
    series_nan[7] = np.nan
    examples_inf = ecg_windows[:8].copy()
    examples_inf[3, 5, 0] = np.inf

    def features_changed():
        detector = AnomalyDetector("ae_conv_ecg", window=256, stride=32).fit(ecg_series)
        return detector.decision_function(np.stack([ecg_series, ecg_series], axis=1))

    return {
        "predict-before-fit": lambda: AnomalyDetector().predict(ecg_windows),
        "decision-before-fit": lambda: AnomalyDetector().decision_function(ecg_windows),
        "window-mismatch": lambda: AnomalyDetector("ae_conv_ecg", window=128).fit(ecg_series),
        "features-changed": features_changed,
        "series-rank": lambda: AnomalyDetector(window=16).fit(np.zeros((10, 4, 2))),
        "short-series": lambda: AnomalyDetector(window=64).fit(ecg_series[:50]),
        "nan-series": lambda: AnomalyDetector(window=16).fit(series_nan),
        "inf-examples": lambda: AnomalyDetector().fit(examples_inf),
        "contamination-zero": lambda: AnomalyDetector(contamination=0).fit(ecg_windows),
        "contamination-high": lambda: AnomalyDetector(contamination=0.6).fit(ecg_windows),
        "contamination-nan": lambda: AnomalyDetector(contamination=float("nan")).fit(ecg_windows),
        "window-float": lambda: AnomalyDetector(window=2.5).fit(ecg_series),
        "unknown-score": lambda: AnomalyDetector(score="psnr").fit(ecg_windows),
        "iw-nll-not-vae": lambda: AnomalyDetector("ae_conv_ecg", score="iw_nll").fit(ecg_windows),
        "examples-shape": lambda: AnomalyDetector("ae_conv_ecg").fit(ecg_windows[:4, :128]),
    }


@pytest.mark.parametrize("case_id", [i for i in ids("detectors") if "-cli-" not in i])
def test_detector_bad_input(case_id, ecg_series, ecg_windows):
    calls = _calls(ecg_series, ecg_windows)
    check_call(case_id, calls[case_id.removeprefix("detector-")])


def test_detector_errors_come_before_training(ecg_series, monkeypatch):
    # A bad contamination must be refused before any network is built.
    def no_build(*args, **kwargs):
        raise AssertionError("built a model before checking the arguments")

    monkeypatch.setattr(zoo, "build", no_build)
    with pytest.raises(ValueError, match=r"\(0, 0.5\]"):
        AnomalyDetector(window=16, contamination=0.9).fit(ecg_series)


def test_detect_cli_user_errors(tmp_path, ecg_series):
    csv = tmp_path / "series.csv"
    np.savetxt(csv, ecg_series[:600], delimiter=",")
    out = tmp_path / "out"
    status, _, stderr = run_cli(["detect", "ae_conv_ecg", "--data", str(csv), "--window", "256",
                                 "--contamination", "0.7", "--out", str(out)])
    check_cli("detector-cli-contamination", status, stderr, extra_ok=not out.exists())
    status, _, stderr = run_cli(["detect", "ae_conv_ecg", "--data", str(csv), "--out", str(out)])
    check_cli("detector-cli-no-window", status, stderr, extra_ok=not out.exists())
    assert case("detector-cli-no-window").outcome == "exit 2"
