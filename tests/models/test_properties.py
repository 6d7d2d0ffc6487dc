"""Property tests (hypothesis): shapes and dtypes through `encode`/`reconstruct` and runtimes.

- Any batch size 1..33 of float16/32/64, int32/64, uint8 or bool examples
  gives float32 outputs of the right shape, equal to the float32 input's.
- Any other shape raises `ValueError` naming the expected and received shape.
- The ONNX and LiteRT runtimes match Keras within their tolerance at any
  batch size, and refuse other shapes the same way.

Each property records one row of the reliability table (what hypothesis
tried), through `reliability_cases.record`.
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from reliability_cases import X_SHAPE, record, tiny_export

import export

SETTINGS = settings(max_examples=15, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))
DTYPES = (np.float16, np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_)
TOLERANCE = {"onnx": 1e-5, "tflite": 1e-4}
EXPECTED = "(batch, 8, 8, 1)"

batches = st.integers(min_value=1, max_value=33)
seeds = st.integers(min_value=0, max_value=2**16)
# Shapes with the batch axis that are not (batch, 8, 8, 1).
wrong_shapes = st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=5).map(
    tuple).filter(lambda s: s[1:] != X_SHAPE)


def examples(batch, dtype, seed):
    rng = np.random.default_rng(seed)
    if dtype == np.bool_:
        return rng.random((batch, *X_SHAPE)) < 0.5
    if dtype == np.uint8:
        return rng.integers(0, 256, (batch, *X_SHAPE)).astype(np.uint8)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(0, 2, (batch, *X_SHAPE)).astype(dtype)
    return rng.random((batch, *X_SHAPE)).astype(dtype)


def every_dtype(test):
    """Adds one explicit example per dtype (batch sizes 1 and 33 among them) to a property."""
    for i, dtype in enumerate(DTYPES):
        test = example(batch=(1, 33, 2, 17, 5, 32, 9)[i], dtype=dtype, seed=i)(test)
    return test


@pytest.fixture(scope="module")
def exported():
    model, out = tiny_export()
    runs = {(fmt, endpoint): export.load_runtime(os.path.join(out, f"{endpoint}.{fmt}"))
            for fmt in TOLERANCE for endpoint in ("encode", "reconstruct")}
    return model, runs


def run_property(case_id, prop, describe):
    """Runs a hypothesis property, records its case with what was tried, re-raises failures."""
    seen = []
    try:
        prop(seen)
    except BaseException as failure:
        record(case_id, f"failed after {len(seen)} examples: {str(failure)[:200]}", False)
        raise
    record(case_id, f"{len(seen)} examples passed; {describe(seen)}", True)


def _spread(seen, index):
    values = [s[index] for s in seen]
    return f"{min(values)}..{max(values)}"


@pytest.mark.parametrize("method", ["encode", "reconstruct"])
def test_any_batch_and_dtype_gives_float32(exported, method):
    model, _ = exported
    width = {"encode": (4,), "reconstruct": X_SHAPE}[method]

    @SETTINGS
    @given(batch=batches, dtype=st.sampled_from(DTYPES), seed=seeds)
    @every_dtype
    def prop(seen, batch, dtype, seed):
        x = examples(batch, dtype, seed)
        out = np.asarray(getattr(model, method)(x))
        assert out.dtype == np.float32 and out.shape == (batch, *width)
        reference = np.asarray(getattr(model, method)(x.astype(np.float32)))
        np.testing.assert_allclose(out, reference, rtol=0, atol=1e-6)
        seen.append((batch, np.dtype(dtype).name))

    run_property(f"property-{method}-dtypes", prop, lambda seen: (
        f"batch sizes {_spread(seen, 0)}, dtypes {sorted({s[1] for s in seen})}"))


def test_wrong_shapes_name_expected_and_received(exported):
    model, _ = exported

    @SETTINGS
    @given(shape=wrong_shapes)
    def prop(seen, shape):
        x = np.zeros(shape, np.float32)
        for method in (model.encode, model.reconstruct):
            with pytest.raises(ValueError) as error:
                method(x)
            assert EXPECTED in str(error.value) and str(shape) in str(error.value)
        seen.append((len(shape), shape))

    run_property("property-wrong-shapes", prop, lambda seen: (
        f"ranks {_spread(seen, 0)}, e.g. {[s[1] for s in seen[:3]]}"))


@pytest.mark.parametrize("fmt", sorted(TOLERANCE))
def test_runtimes_match_keras_at_any_batch(exported, fmt):
    model, runs = exported

    @SETTINGS
    @given(batch=batches, dtype=st.sampled_from((np.float32, np.float64)), seed=seeds)
    def prop(seen, batch, dtype, seed):
        x = examples(batch, dtype, seed)
        worst = 0.0
        for endpoint in ("encode", "reconstruct"):
            out = runs[(fmt, endpoint)](x)
            reference = np.asarray(getattr(model, endpoint)(x))
            assert out.dtype == np.float32 and out.shape == reference.shape
            worst = max(worst, float(np.max(np.abs(out - reference))))
        assert worst <= TOLERANCE[fmt], worst
        seen.append((batch, worst))

    run_property(f"property-{fmt}-batches", prop, lambda seen: (
        f"batch sizes {_spread(seen, 0)}, worst error {max(s[1] for s in seen):.1e}"))


def test_runtimes_refuse_wrong_shapes(exported):
    _, runs = exported

    @SETTINGS
    @given(shape=wrong_shapes, fmt=st.sampled_from(sorted(TOLERANCE)))
    def prop(seen, shape, fmt):
        with pytest.raises(ValueError) as error:
            runs[(fmt, "encode")](np.zeros(shape, np.float32))
        assert EXPECTED in str(error.value) and str(shape) in str(error.value)
        seen.append((len(shape), fmt))

    run_property("property-runtime-wrong-shapes", prop, lambda seen: (
        f"ranks {_spread(seen, 0)}, formats {sorted({s[1] for s in seen})}"))
