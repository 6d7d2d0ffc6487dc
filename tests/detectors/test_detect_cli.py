"""`aezoo detect`: scores, labels, a summary and a figure for a series or a batch of examples."""

import json
import os

import numpy as np
import pandas as pd
import sktime
from reliability_cases import run_cli

import zoo

MITDB = os.path.join(os.path.dirname(sktime.__file__), "datasets", "data", "mitdb", "mitdb.csv")


def test_detect_scores_each_timestep_of_a_csv_series_and_draws_it(tmp_path):
    out = tmp_path / "mitdb"
    status, stdout, stderr = run_cli(["detect", "ae_conv_ecg", "--data", MITDB, "--window",
                                      "256", "--stride", "16", "--contamination", "0.02",
                                      "--out", str(out)])
    assert status == 0, stderr
    truth = pd.read_csv(MITDB)["label"].to_numpy() != 0
    scores = pd.read_csv(out / "scores.csv")
    assert list(scores.columns) == ["index", "score", "label"]
    assert len(scores) == len(truth) == 7500  # one row per timestep
    summary = json.loads((out / "detection.json").read_text())
    assert summary["n_flagged"] == scores["label"].sum() > 0
    assert np.isclose(np.quantile(scores["score"], 0.98), summary["threshold"], rtol=1e-6)
    # The CSV's `label` column is ground truth, not data: the summary scores against it,
    # and the labelled abnormal beat outscores the rest.
    assert summary["auroc"] > 0.7, summary["auroc"]
    assert (out / "detection.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "AUROC" in stdout


def test_detect_calibrates_a_preset_on_npy_examples(tmp_path):
    x, _ = zoo.datasets.load("ecg_mitdb", "train")
    np.save(tmp_path / "windows.npy", x)
    out = tmp_path / "ecg"
    status, _, stderr = run_cli(["detect", "ae_conv_ecg", "--data", str(tmp_path / "windows.npy"),
                                 "--score", "reconstruction", "--contamination", "0.05",
                                 "--out", str(out)])
    assert status == 0, stderr
    scores = pd.read_csv(out / "scores.csv")
    assert len(scores) == len(x)
    np.testing.assert_allclose(scores["score"], zoo.load("ae_conv_ecg").score(x), rtol=1e-5)
    assert abs(scores["label"].mean() - 0.05) < 0.01
    # An existing folder is refused without --overwrite.
    status, _, stderr = run_cli(["detect", "ae_conv_ecg", "--data", str(tmp_path / "windows.npy"),
                                 "--out", str(out)])
    assert status == 2 and "exists" in stderr
