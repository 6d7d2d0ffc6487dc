"""aezoo-runtime: run aezoo exports with numpy, ONNX Runtime and LiteRT, without TensorFlow.

The `aezoo` package exports a model's endpoints (`encode`, `decode`,
`reconstruct`, `score`) to `.onnx` and `.tflite` files, checked for parity.
On a server or device those files need only this package: `load_runtime`
here is `export.load_runtime` from aezoo (the same source file, copied at
build time), over `onnxruntime` and `ai-edge-litert`. SavedModel folders
still need TensorFlow.

Example:
>>> import aezoo_runtime
>>> run = aezoo_runtime.load_runtime("out/vae/encode.onnx")
>>> z = run(x)            # numpy in, numpy out
"""

from aezoo_runtime.runtime import (
    LiteRTRuntime,
    OnnxRuntime,
    Runtime,
    SavedModelRuntime,
    load_artifact,
    load_runtime,
)

__version__ = "0.1.0"
__all__ = ["LiteRTRuntime", "OnnxRuntime", "Runtime", "SavedModelRuntime", "load_artifact",
           "load_runtime", "__version__"]
