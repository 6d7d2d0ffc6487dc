"""Test helpers: one export per (variant, backbone), shared by the format tests.

Conversions are the slow part of the export tests. `shared_export` caches
one full export (every format, every endpoint) per model in the process, so
`test_export_saved_model.py`, `test_export_tflite.py`,
`test_export_onnx.py` and `test_runtime.py` run it once between them.
"""

import atexit
import shutil
import tempfile

import numpy as np

from export import common
from zoo import models

_CACHE = {}
_ROOT = []


def _root():
    if not _ROOT:
        _ROOT.append(tempfile.mkdtemp(prefix="aezoo-export-tests-"))
        atexit.register(shutil.rmtree, _ROOT[0], True)
    return _ROOT[0]


def shared_export(key, build, representative_data, **options):
    """Returns `(model, report)` for `key`, exporting on the first call only.

    Args:
        key: hashable. Cache key, e.g. `(variant, backbone)`.
        build: callable. `build() -> model` (called once).
        representative_data: numpy array. Real examples; the reference batch.
        **options: more `export_model` arguments.

    Returns:
        The model and its `ExportReport` (the export is written with
        `strict=False`, so a test can show which artifact fails).
    """
    if key not in _CACHE:
        import export

        model = build()
        out_dir = tempfile.mkdtemp(prefix="_".join(map(str, key)) + "-", dir=_root())
        report = export.export_model(model, out_dir, representative_data=representative_data,
                                     overwrite=True, strict=False, **options)
        _CACHE[key] = (model, report)
    return _CACHE[key]


def keras_outputs(model, endpoint, inputs):
    """The model's own outputs for an endpoint, by name, as numpy arrays."""
    if endpoint == "encode":
        outputs = {"z": np.asarray(model.encode(inputs))}
        if models.has_capability(model, "discrete_codes"):
            outputs["codes"] = np.asarray(model.codes_tensor(inputs)).astype(np.int32)
        return outputs
    if endpoint == "decode":
        return {"reconstruction": np.asarray(model.decode(inputs))}
    if endpoint == "reconstruct":
        return {"reconstruction": np.asarray(model.reconstruct(inputs))}
    return {"score": np.asarray(model.score(inputs))}


def assert_matches_keras(model, run, artifact, data, batch_sizes=(1, 7)):
    """Runs an artifact at each batch size and compares every named output with Keras.

    `data` are real examples; `decode` is fed the model's latents of them.
    Raises AssertionError naming the artifact, output, batch and error.
    """
    tol = artifact["tolerance"]
    start = 0
    for size in batch_sizes:
        x = data[start : start + size]
        start += size
        inputs = x if artifact["inputs"][0]["name"] == "x" else np.asarray(model.encode(x))
        expected = keras_outputs(model, artifact["endpoint"], inputs)
        got = run.run_named(inputs)
        assert set(got) == set(expected), (artifact["id"], sorted(got), sorted(expected))
        for name, value in expected.items():
            assert got[name].shape == value.shape, (artifact["id"], name, got[name].shape)
            if np.issubdtype(value.dtype, np.integer):
                np.testing.assert_array_equal(got[name], value, err_msg=artifact["id"])
                continue
            _, scaled = common.elementwise_error(got[name], value)
            assert scaled <= tol, (f"{artifact['id']} output {name} at batch {size}: "
                                   f"scaled error {scaled:.3g} > {tol}")


def matrix_export(variant, backbone, x_train, x_test, small_model):
    """`(model, report, held-out data)` for a cell of the variant x backbone matrix.

    The model is `small_model(variant, backbone, shape)`, trained one short
    epoch on real data (so VQ codes and latents are not degenerate); the
    reference batch is real test data.
    """
    import keras

    def build():
        keras.utils.set_random_seed(0)
        model = small_model(variant, backbone, x_train.shape[1:])
        model.compile(optimizer=keras.optimizers.Adam(2e-3))
        model.fit(x_train[:256], epochs=1, batch_size=64, verbose=0)
        return model

    model, report = shared_export((variant, backbone), build, x_test[:64])
    return model, report, x_test[64:]


# Recurrent conversions take several times longer (two SavedModels, LSTM
# graphs); the default suite keeps one recurrent cell, `-m slow` runs the rest.
DEFAULT_RECURRENT_VARIANTS = ("ae",)
DEFAULT_CONV_VARIANTS = ("ae", "vq_vae")


def matrix_params():
    """pytest params over `zoo.list_models()` x `zoo.list_backbones()`, slow cells marked."""
    import pytest

    import zoo

    params = []
    for variant in zoo.list_models():
        for backbone in zoo.list_backbones():
            # Default suite: every variant on mlp, the conv graph of ae and vq_vae (the integer
            # codes path), the listed recurrent cells; the rest run with `-m slow`.
            slow = not (backbone == "mlp"
                        or (backbone == "conv" and variant in DEFAULT_CONV_VARIANTS)
                        or (backbone == "recurrent" and variant in DEFAULT_RECURRENT_VARIANTS))
            marks = (pytest.mark.slow,) if slow else ()
            params.append(pytest.param(variant, backbone, marks=marks,
                                       id=f"{variant}-{backbone}"))
    return params
