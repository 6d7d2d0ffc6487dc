"""An exported detector flags anomalies without TensorFlow, like `predict`.

`AnomalyDetector.export` writes the `score` endpoint and the threshold (with
the input scaling) into manifest.json; `export.load_detector` runs it over
ONNX Runtime in a process that never imports TensorFlow.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import zoo
from zoo.detectors import AnomalyDetector

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def ecg():
    return zoo.datasets.load("ecg_mitdb", "train")[0], zoo.datasets.load("ecg_mitdb", "test")


def test_exported_threshold_flags_the_same_windows_without_tensorflow(tmp_path, ecg):
    x_train, (x_test, _) = ecg
    detector = AnomalyDetector("ae_conv_ecg", score="reconstruction",
                               contamination=0.05).fit(x_train)
    out = tmp_path / "ecg_detector"
    report = detector.export(str(out), formats=("onnx",))
    assert report.passed
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["detector"]["threshold"] == pytest.approx(detector.threshold_)
    np.save(tmp_path / "x.npy", x_test)
    script = (
        "import sys, json, numpy as np, export\n"
        f"det = export.load_detector({str(out)!r})\n"
        f"x = np.load({str(tmp_path / 'x.npy')!r})\n"
        "print(json.dumps({'scores': det.decision_function(x).tolist(),"
        " 'labels': det.predict(x).tolist(),"
        " 'tensorflow': 'tensorflow' in sys.modules}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["tensorflow"] is False
    np.testing.assert_allclose(result["scores"], detector.decision_function(x_test), rtol=1e-4)
    expected = detector.predict(x_test)
    assert expected.sum() > 0
    # Scores within float32 rounding of the threshold may flip; none lies that close here.
    np.testing.assert_array_equal(result["labels"], expected)


def test_export_refuses_what_the_score_endpoint_cannot_carry(tmp_path, ecg):
    x_train, _ = ecg
    detector = AnomalyDetector("ae_conv_ecg", score="combined").fit(x_train[:64])
    with pytest.raises(ValueError, match="score='reconstruction'"):
        detector.export(str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
    import export

    with pytest.raises(ValueError, match="no anomaly detector"):
        plain = tmp_path / "plain"
        export.export_model(detector.model_, str(plain), formats=("onnx",), endpoints=("score",))
        export.load_detector(str(plain))
