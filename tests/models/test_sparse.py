"""sparse_ae: its codes are sparser (Hoyer) than a plain AE's of the same size and budget."""

import keras
import numpy as np
import pytest
from support import hoyer_sparsity, small_model, trained

LATENT = 64  # undercomplete for 28x28 digits
BUDGET = {"epochs": 8}


@pytest.fixture(scope="module")
def plain_hoyer(mnist):
    keras.utils.set_random_seed(0)  # module fixtures run before the autouse seeding
    x_train, x_test = mnist
    model, _ = trained(small_model("ae", "mlp", x_train.shape[1:], LATENT), x_train, **BUDGET)
    return hoyer_sparsity(model.encode(x_test))


@pytest.mark.parametrize("options", [
    {"sparsity": "l1", "sparsity_weight": 0.05},
    {"sparsity": "kl", "sparsity_weight": 1.0, "target_rate": 0.05},
])
def test_codes_are_sparser_than_plain_ae(options, mnist, plain_hoyer):
    x_train, x_test = mnist
    model, history = trained(
        small_model("sparse_ae", "mlp", x_train.shape[1:], LATENT, **options), x_train, **BUDGET)
    codes = np.asarray(model.encode(x_test))
    sparse = hoyer_sparsity(codes)
    print(f"{options['sparsity']}: Hoyer sparse {sparse:.3f} vs plain {plain_hoyer:.3f}")
    assert sparse > 1.5 * plain_hoyer
    assert np.isfinite(history["sparsity"]).all()
    if options["sparsity"] == "kl":
        assert codes.min() > 0 and codes.max() < 1  # sigmoid code
        assert abs(codes.mean() - options["target_rate"]) < 0.05


def test_overcomplete_code_is_sparse(digits):
    x_train, x_test = digits  # 64 pixels, 128 code units
    plain, _ = trained(small_model("ae", "mlp", x_train.shape[1:], 128), x_train, epochs=20)
    sparse, _ = trained(small_model("sparse_ae", "mlp", x_train.shape[1:], 128,
                                    sparsity="l1", sparsity_weight=0.05), x_train, epochs=20)
    sparse_hoyer, plain_hoyer = hoyer_sparsity(sparse.encode(x_test)), hoyer_sparsity(
        plain.encode(x_test))
    print(f"overcomplete: Hoyer sparse {sparse_hoyer:.3f} vs plain {plain_hoyer:.3f}")
    assert sparse_hoyer > 1.5 * plain_hoyer


@pytest.mark.parametrize("options,match", [
    ({"sparsity": "l0"}, r"sparsity.*\['kl', 'l1'\]"),
    ({"sparsity_weight": -1.0}, r"sparsity_weight.*\[0.0, inf\]"),
    ({"target_rate": 0.0}, r"target_rate.*\(0, 1\)"),
    ({"target_rate": 1.0}, r"target_rate.*\(0, 1\)"),
])
def test_bad_options_name_the_valid_range(options, match):
    with pytest.raises(ValueError, match=match):
        small_model("sparse_ae", "mlp", (8, 8, 1), **options)
