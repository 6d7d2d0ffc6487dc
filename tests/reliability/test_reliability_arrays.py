"""Reliability sweep: bad arrays and arguments into model methods (cases in reliability_cases).

Every bad input must be refused with a `ValueError` or `TypeError` that names
what was expected and what was received, before TensorFlow sees it; every
odd-but-valid input must work and give float32 of the right shape.
"""

import os

import numpy as np
import pytest
import tensorflow as tf
from reliability_cases import (
    ARRAY_METHODS,
    X_SHAPE,
    bad_array,
    case,
    check_call,
    ids,
)
from support import small_model

import zoo


@pytest.fixture(scope="module")
def models():
    ae = small_model("ae", "mlp", X_SHAPE, latent_dim=4)
    ae.compile(optimizer="adam")
    vae = small_model("vae", "mlp", X_SHAPE, latent_dim=4)
    vq = small_model("vq_vae", "conv", X_SHAPE, latent_dim=4)
    return {"ae": ae, "vae": vae, "vq_vae": vq}


def _check_ok(method, value, result):
    n = len(np.asarray(value))
    if method == "posterior":
        assert tuple(result.batch_shape) == (n,), result.batch_shape
        assert np.asarray(result.mean()).dtype == np.float32
        return f"batch shape {tuple(result.batch_shape)}"
    if method == "fit":
        loss = result.history["loss"][-1]
        assert np.isfinite(loss), loss
        return f"loss {loss:.3g}"
    expected = {"encode": (n, 4), "decode": (n, *X_SHAPE), "reconstruct": (n, *X_SHAPE),
                "score": (n,)}[method]
    array = np.asarray(result)
    assert array.shape == expected and array.dtype == np.float32, (array.shape, array.dtype)
    assert np.isfinite(array).all()
    return None


METHOD_CASES = [i for i in ids("arrays") if i.split("-", 1)[0] in ARRAY_METHODS]


@pytest.mark.parametrize("case_id", METHOD_CASES)
def test_bad_arrays(models, case_id):
    method = case_id.split("-", 1)[0]
    key = case_id.split("-", 1)[1]
    kind, _, example = ARRAY_METHODS[method]
    model = models[kind]
    value = bad_array(key, example)
    if method == "fit":
        call = lambda: model.fit(value, epochs=1, batch_size=64, verbose=0)  # noqa: E731
    else:
        call = lambda: getattr(model, method)(value)  # noqa: E731
    check_call(case_id, call, lambda result: _check_ok(method, value, result))


def test_bad_arrays_never_reach_tensorflow(models, monkeypatch):
    """The refusals above happen in the checks, not in a TensorFlow op."""

    def no_tensorflow(*args, **kwargs):
        raise AssertionError("TensorFlow ran on bad input")

    model = models["ae"]
    monkeypatch.setattr(model.encoder, "call", no_tensorflow)
    monkeypatch.setattr(model.decoder, "call", no_tensorflow)
    for case_id in METHOD_CASES:
        method, key = case_id.split("-", 1)
        if case(case_id).outcome == "ok" or ARRAY_METHODS[method][0] != "ae":
            continue
        value = bad_array(key, ARRAY_METHODS[method][2])
        with pytest.raises((ValueError, TypeError)):
            if method == "fit":
                model.fit(value, epochs=1, verbose=0)
            else:
                getattr(model, method)(value)


# --------------------------------------------------------------- sample()


@pytest.mark.parametrize("case_id", [i for i in ids("arguments", "sample-")
                                     if not i.endswith("-ok")])
def test_bad_sample_arguments(models, case_id):
    kind = "vq_vae" if "-vq_vae-" in case_id else "vae"
    key = case_id.split(f"-{kind}-", 1)[1]
    model = models[kind]
    values = {"n-zero": 0, "n-negative": -3, "n-float": 2.5, "n-string": "4", "n-bool": True,
              "seed-string": "abc", "seed-float": 1.5}
    if key.startswith("n-"):
        check_call(case_id, lambda: model.sample(values[key]))
    else:
        check_call(case_id, lambda: model.sample(4, seed=values[key]))


@pytest.mark.parametrize("kind", ["vae", "vq_vae"])
def test_sample_works_and_is_seeded(models, kind):
    model = models[kind]

    def same_seed_same_samples(result):
        array = np.asarray(result)
        assert array.shape == (5, *X_SHAPE) and array.dtype == np.float32
        np.testing.assert_array_equal(array, np.asarray(model.sample(5, seed=3)))
        return "same seed, same samples"

    check_call(f"sample-{kind}-ok", lambda: model.sample(5, seed=3), same_seed_same_samples)


# ------------------------------------------------------------------ fit()


@pytest.mark.parametrize("case_id", ids("arguments", "fit-"))
def test_bad_fit_arguments(digits, case_id):
    x = digits[0][:3]
    model = small_model("ae", "mlp", X_SHAPE, latent_dim=4)
    if case_id != "fit-uncompiled":
        model.compile(optimizer="adam")
    before = [w.copy() for w in model.get_weights()]
    calls = {
        "fit-batch-size-zero": lambda: model.fit(x, batch_size=0, epochs=1, verbose=0),
        "fit-batch-size-string": lambda: model.fit(x, batch_size="32", epochs=1, verbose=0),
        "fit-epochs-negative": lambda: model.fit(x, epochs=-1, verbose=0),
        "fit-epochs-string": lambda: model.fit(x, epochs="2", verbose=0),
        "fit-sample-weight": lambda: model.fit(x, sample_weight=np.ones(3), epochs=1, verbose=0),
        "fit-y-length": lambda: model.fit(x, x[:2], epochs=1, verbose=0),
        "fit-string-dataset": lambda: model.fit(
            tf.data.Dataset.from_tensor_slices(np.full((4, *X_SHAPE), "a")).batch(2),
            epochs=1, verbose=0),
        "fit-uncompiled": lambda: model.fit(x, epochs=1, verbose=0),
    }
    check_call(case_id, calls[case_id])
    # A refused call trains nothing.
    for old, new in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)



# ------------------------------------------------------- datasets.load()

DATASET_CALLS = {
    "datasets-unknown-name": lambda: zoo.datasets.load("cifar"),
    "datasets-unknown-split": lambda: zoo.datasets.load("digits", "validation"),
    "datasets-options-for-digits": lambda: zoo.datasets.load("digits", window=8),
    "datasets-unknown-ecg-option": lambda: zoo.datasets.load("ecg_mitdb", size=8),
}


@pytest.mark.parametrize("case_id", ids("arguments", "datasets-"))
def test_bad_dataset_arguments(case_id):
    check_call(case_id, DATASET_CALLS[case_id])


@pytest.mark.parametrize("case_id", ids("arrays", "keras-"))
def test_keras_entry_points_check_shapes(models, case_id):
    model = models["ae"]
    x = np.zeros((3, 64), np.float32)
    calls = {"keras-call-wrong-shape": lambda: model(x),
             "keras-predict-wrong-shape": lambda: model.predict(x, verbose=0),
             "keras-evaluate-wrong-shape": lambda: model.evaluate(x, verbose=0)}
    check_call(case_id, calls[case_id])


@pytest.mark.parametrize("case_id", ids("arguments", "export-"))
def test_bad_representative_data(models, tmp_path, case_id):
    import export

    data = {"export-representative-nan": np.full((4, *X_SHAPE), np.nan, np.float32),
            "export-representative-shape": np.zeros((4, 64), np.float32)}[case_id]
    check_call(case_id, lambda: export.export_model(models["ae"], tmp_path / "out",
                                                    representative_data=data))
    assert os.listdir(tmp_path) == []
