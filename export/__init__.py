"""aezoo export: SavedModel, LiteRT and ONNX artifacts, checked for parity.

`import export` and `export.load_runtime` do not import TensorFlow: an
edge or server deployment needs only `onnxruntime` or `ai-edge-litert`.
`export_model` imports TensorFlow when it runs.

Example:
>>> import export
>>> report = export.export_model(m, "out/vae", formats=("saved_model", "tflite", "onnx"))
>>> export.verify("out/vae").passed
True
>>> run = export.load_runtime("out/vae/encode.onnx")
>>> z = run(x_test[:8])
"""

from export.codecs import export_codec, load_codec
from export.common import ENDPOINTS, FORMATS, QUANTIZE_MODES
from export.detector import ExportedDetector, load_detector
from export.exporter import (
    ConversionError,
    ExportReport,
    ParityError,
    VerifyReport,
    export_model,
    verify,
)
from export.runtime import Runtime, load_runtime

__all__ = [
    "ENDPOINTS",
    "ConversionError",
    "FORMATS",
    "QUANTIZE_MODES",
    "ExportReport",
    "ExportedDetector",
    "ParityError",
    "Runtime",
    "VerifyReport",
    "export_codec",
    "export_model",
    "load_codec",
    "load_detector",
    "load_runtime",
    "verify",
]
