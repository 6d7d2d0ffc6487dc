"""`load_detector`: an exported anomaly detector that flags anomalies without TensorFlow.

`zoo.detectors.AnomalyDetector.export(folder)` exports the model's `score`
endpoint and writes the detector's calibration (threshold, input scaling,
contamination) to `manifest.json` under `"detector"`. `load_detector(folder)`
reads it back over ONNX Runtime or LiteRT: numpy in, scores and 0/1 labels out.

Example:
>>> det = export.load_detector("out/ecg_detector")
>>> det.predict(windows)          # 0 inlier, 1 outlier
"""

import os

import numpy as np

from export import common


class ExportedDetector:
    """The exported `score` endpoint plus the detector's threshold.

    Args:
        out_dir: str. An export folder written by `AnomalyDetector.export`.
        format: str or None. `"onnx"`, `"tflite"` or `"saved_model"`; None
            takes ONNX, else LiteRT, else SavedModel. Defaults to `None`.
        **options: runtime options (`providers`, `num_threads`).

    Attributes:
        threshold: float. Scores above it are outliers.
        contamination: float. The contamination the threshold was set for.
        runtime: the loaded `export.Runtime` of the `score` endpoint.
    """

    def __init__(self, out_dir, format=None, **options):
        from export.runtime import load_artifact

        manifest = common.read_manifest(out_dir)
        calibration = manifest.get("detector")
        if not isinstance(calibration, dict) or "threshold" not in calibration:
            raise ValueError(f"{out_dir} holds no anomaly detector: its manifest.json has no "
                             "`detector` entry (export it with AnomalyDetector.export). "
                             f"Received: manifest keys {sorted(manifest)}")
        scores = [a for a in manifest["artifacts"] if a["endpoint"] == "score"
                  and (format is None or a["format"] == format)]
        order = {"onnx": 0, "tflite": 1, "saved_model": 2}
        if not scores:
            raise ValueError(f"{out_dir} has no `score` artifact in format {format!r}. Received: "
                             f"{sorted({a['format'] for a in manifest['artifacts']})}")
        artifact = min(scores, key=lambda a: order.get(a["format"], 3))
        self.out_dir = os.fspath(out_dir)
        self.calibration = calibration
        self.threshold = float(calibration["threshold"])
        self.contamination = calibration.get("contamination")
        scaling = calibration.get("scaling") or {"mode": "none", "offset": 0.0, "scale": 1.0}
        self._offset = np.asarray(scaling["offset"], dtype=np.float64)
        self._scale = np.asarray(scaling["scale"], dtype=np.float64)
        self.runtime = load_artifact(out_dir, artifact, **options)

    def __repr__(self):
        return (f"ExportedDetector({self.out_dir!r}, format={self.runtime.format!r}, "
                f"threshold={self.threshold:.6g})")

    def decision_function(self, x):
        """Returns anomaly scores, shape `(batch,)` (higher = more anomalous)."""
        x = np.asarray(x)
        if x.dtype.kind not in "fiu":
            raise TypeError(f"decision_function expects a numeric array. Received: dtype "
                            f"{x.dtype}")
        scaled = ((x.astype(np.float64) - self._offset) / self._scale).astype(np.float32)
        return np.asarray(self.runtime(scaled), dtype=np.float64).reshape(len(x))

    def predict(self, x):
        """Returns 0 (inlier) or 1 (outlier) per example: score above the threshold."""
        return (self.decision_function(x) > self.threshold).astype(np.int64)


def load_detector(out_dir, format=None, **options):
    """Returns an `ExportedDetector` for an export folder (no TensorFlow for ONNX/LiteRT)."""
    return ExportedDetector(out_dir, format=format, **options)
