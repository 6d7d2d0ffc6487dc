"""Reliability sweep: bad arrays into the export runtimes (ONNX Runtime and LiteRT).

`export.load_runtime(path)(x)` is what an edge or server deployment calls
without TensorFlow: a wrong input must raise `ValueError` or `TypeError`
naming the expected and received shape or dtype, never an ONNX Runtime or
LiteRT error, and never silently return NaN.
"""

import os

import numpy as np
import pytest
from reliability_cases import check_call, ids, runtime_array, tiny_export

import export

TOLERANCE = {"onnx": 1e-5, "tflite": 1e-4}


@pytest.fixture(scope="module")
def runtimes():
    model, out = tiny_export()
    return model, {fmt: export.load_runtime(os.path.join(out, f"encode.{fmt}"))
                   for fmt in TOLERANCE}


@pytest.mark.parametrize("case_id", ids("runtime"))
def test_runtime_inputs(runtimes, case_id):
    model, runs = runtimes
    fmt, key = case_id[len("runtime-"):].split("-", 1)
    run = runs[fmt]
    value = runtime_array(key)

    def matches_keras(result):
        x = np.asarray(value, np.float32)
        assert result.shape == (len(x), 4) and result.dtype == np.float32, result.shape
        rows = slice(0, 256)  # Keras on every row of a huge batch is not needed to judge it
        expected = np.asarray(model.encode(x[rows]))
        error = float(np.max(np.abs(result[rows] - expected)))
        assert error <= TOLERANCE[fmt], error
        return f"max error vs Keras {error:.1e}"

    check_call(case_id, lambda: run(value), matches_keras)
    # A refused call leaves the runtime usable.
    x = np.random.default_rng(1).uniform(size=(2, 8, 8, 1)).astype(np.float32)
    assert run(x).shape == (2, 4)
