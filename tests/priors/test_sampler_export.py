"""TF-free latent diffusion sampler: exported denoiser + decoder reproduce model.sample per seed."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import zoo
from export import sampler

SAMPLING_SCRIPT = """
import sys, numpy as np
from export.sampler import load_sampler
run = load_sampler(sys.argv[1], runtime=sys.argv[2])
np.save(sys.argv[3], run.sample(9, seed=21, steps=17))
assert "tensorflow" not in sys.modules and "keras" not in sys.modules, "TensorFlow imported"
print("TF-FREE")
"""


@pytest.fixture(scope="module")
def model_with_prior(mnist):
    x_train, _ = mnist
    keras.utils.set_random_seed(0)
    model = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=4, backbone="mlp",
                      hidden_units=(32,))
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    model.fit(x_train[:256], epochs=1, batch_size=64, verbose=0)
    model.fit_prior(x_train[:256], epochs=2, width=32, blocks=1)
    return model


def sample_without_tensorflow(folder, runtime, tmp_path):
    out = str(tmp_path / f"{runtime}.npy")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run([sys.executable, "-c", SAMPLING_SCRIPT, folder, runtime, out],
                            capture_output=True, text=True, timeout=300, cwd=root)
    assert "TF-FREE" in result.stdout, result.stderr[-2000:]
    return np.load(out)


def check_runtime(model, folder, runtime, tmp_path):
    drawn = sample_without_tensorflow(folder, runtime, tmp_path)
    reference = np.asarray(model.sample(9, seed=21, steps=17))
    assert drawn.shape == reference.shape == (9, 28, 28, 1)
    np.testing.assert_allclose(drawn, reference, atol=sampler.SAMPLE_TOLERANCE[runtime])
    # Another seed gives other images: the check compares real samples.
    assert np.abs(drawn - np.asarray(model.sample(9, seed=22, steps=17))).max() > 1e-2


def test_onnx_sampler_reproduces_keras_samples_without_tensorflow(model_with_prior, tmp_path):
    folder = str(tmp_path / "ldm")
    info = sampler.export_sampler(model_with_prior, folder, runtimes=("onnx",))
    assert info["parity"]["onnx"]["passed"]
    with open(os.path.join(folder, sampler.SAMPLER_FILE)) as f:
        assert json.load(f)["scheduler"] == model_with_prior.latent_prior.scheduler.get_config()
    check_runtime(model_with_prior, folder, "onnx", tmp_path)
    with pytest.raises(FileExistsError):
        sampler.export_sampler(model_with_prior, folder, runtimes=("onnx",))


@pytest.mark.slow
def test_litert_sampler_reproduces_keras_samples_without_tensorflow(model_with_prior, tmp_path):
    folder = str(tmp_path / "ldm")
    info = sampler.export_sampler(model_with_prior, folder, runtimes=("onnx", "tflite"))
    assert info["parity"]["tflite"]["passed"]
    check_runtime(model_with_prior, folder, "tflite", tmp_path)


def test_sampler_refuses_what_it_cannot_run(model_with_prior, tmp_path):
    plain = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=4)
    with pytest.raises(ValueError, match="fit_prior"):
        sampler.export_sampler(plain, str(tmp_path / "x"))
    with pytest.raises(ValueError, match="runtime"):
        sampler.load_sampler(str(tmp_path), runtime="coreml")
    with pytest.raises(ValueError, match="sampler folder"):
        sampler.load_sampler(str(tmp_path))
