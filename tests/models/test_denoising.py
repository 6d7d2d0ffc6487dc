"""denoising_ae: on noisy test digits it restores more signal than a plain AE and than the input."""

import numpy as np
import pytest
from support import psnr, small_model, trained

import zoo

NOISE = 0.4
BUDGET = {"epochs": 10}


@pytest.fixture(scope="module")
def noisy_digits():
    x_train, _ = zoo.datasets.load("mnist5k", "train")
    x_test, _ = zoo.datasets.load("mnist5k", "test")
    x_train, x_test = x_train[:2000], x_test[:500]
    return x_train, x_test, zoo.datasets.corrupt(x_test, "gaussian", NOISE, seed=0)


def test_denoises_better_than_plain_ae_and_noisy_input(noisy_digits):
    x_train, x_test, noisy = noisy_digits
    options = {"hidden_units": (256,), "loss": "bce"}
    plain, _ = trained(small_model("ae", "mlp", x_train.shape[1:], 32, **options),
                       x_train, **BUDGET)
    denoising, _ = trained(
        small_model("denoising_ae", "mlp", x_train.shape[1:], 32, corruption="gaussian",
                    noise_level=NOISE, **options), x_train, **BUDGET)
    noisy_psnr = psnr(x_test, noisy)
    plain_psnr = psnr(x_test, plain.reconstruct(noisy))
    denoised_psnr = psnr(x_test, denoising.reconstruct(noisy))
    print(f"PSNR dB: denoising {denoised_psnr:.2f}, plain {plain_psnr:.2f}, noisy {noisy_psnr:.2f}")
    assert denoised_psnr > plain_psnr + 0.5
    assert denoised_psnr > noisy_psnr + 3.0


def test_inference_is_deterministic_and_uncorrupted(noisy_digits):
    x_train, x_test, _ = noisy_digits
    model = small_model("denoising_ae", "mlp", x_train.shape[1:], 8, corruption="masking",
                        noise_level=0.9)
    np.testing.assert_array_equal(np.asarray(model(x_test[:8])), np.asarray(model(x_test[:8])))
    model.compile(optimizer="adam")
    # Validation sees clean input: its loss equals a direct evaluation on clean data.
    clean = model.evaluate(x_test[:64], verbose=0, batch_size=64)
    again = model.evaluate(x_test[:64], verbose=0, batch_size=64)
    assert clean == again


@pytest.mark.parametrize("kind", ["gaussian", "masking", "salt_pepper"])
def test_every_corruption_trains(kind, noisy_digits):
    x_train, _, _ = noisy_digits
    _, history = trained(small_model("denoising_ae", "mlp", x_train.shape[1:], 8,
                                     corruption=kind, noise_level=0.2), x_train[:512], epochs=2)
    assert history["loss"][-1] < history["loss"][0]


@pytest.mark.parametrize("options,match", [
    ({"corruption": "blur"}, r"corruption.*\['gaussian', 'masking', 'salt_pepper'\]"),
    ({"corruption": "masking", "noise_level": 1.5}, r"noise_level.*\[0.0, 1.0\]"),
    ({"corruption": "salt_pepper", "noise_level": -0.1}, r"noise_level.*\[0.0, 1.0\]"),
    ({"corruption": "gaussian", "noise_level": -0.1}, r"noise_level.*\[0.0, inf\]"),
])
def test_bad_options_name_the_valid_range(options, match):
    with pytest.raises(ValueError, match=match):
        small_model("denoising_ae", "mlp", (8, 8, 1), **options)
