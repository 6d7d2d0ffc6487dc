"""Metrics of DESIGN §8, checked against hand computations and library references."""

import keras
import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

import zoo
from zoo import classifier, evaluation


@pytest.fixture(scope="module")
def mnist_full():
    x_train, y_train = zoo.datasets.load("mnist5k", "train")
    x_test, y_test = zoo.datasets.load("mnist5k", "test")
    return x_train, y_train, x_test, y_test


@pytest.fixture(scope="module")
def trained_vae(mnist_full):
    keras.utils.set_random_seed(1)
    model = zoo.build("vae", input_shape=(28, 28, 1), latent_dim=8, hidden_units=(256,))
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    model.fit(mnist_full[0], epochs=5, batch_size=128, verbose=0)
    return model


@pytest.fixture(scope="module")
def trained_ae(mnist_full):
    keras.utils.set_random_seed(2)
    model = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=32, hidden_units=(256,))
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    model.fit(mnist_full[0], epochs=8, batch_size=64, verbose=0)
    return model


@pytest.fixture(scope="module")
def mnist_classifier():
    return classifier.train_mnist_classifier(epochs=3)


# ------------------------------------------------------------ reconstruction


def test_psnr_matches_formula():
    clean = np.zeros((4, 5, 5, 1), np.float32)
    assert evaluation.psnr(clean, clean + 0.1) == pytest.approx(20.0, abs=1e-4)
    rng = np.random.default_rng(0)
    a, b = rng.uniform(size=(8, 7, 7)), rng.uniform(size=(8, 7, 7))
    expected = 10 * np.log10(255.0**2 / np.mean((255 * a - 255 * b) ** 2))
    assert evaluation.psnr(255 * a, 255 * b, data_range=255.0) == pytest.approx(expected)
    assert evaluation.psnr(a, a) == float("inf")


def test_squared_errors_and_bce_match_hand_computation():
    x = np.array([[0.0, 1.0], [0.5, 0.5]])
    y = np.array([[0.5, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(evaluation.squared_error_per_example(x, y), [0.25, 0.5])
    assert evaluation.mean_squared_error(x, y) == pytest.approx(0.75 / 4)
    bce = evaluation.binary_cross_entropy_per_example([[1.0, 0.0]], [[0.8, 0.3]])
    np.testing.assert_allclose(bce, [-(np.log(0.8) + np.log(0.7))])
    with pytest.raises(ValueError, match="binary"):
        evaluation.binary_cross_entropy_per_example(x, y)


def test_pca_baseline_matches_hand_computation(mnist_full):
    x_train, x_test = mnist_full[0][:1000], mnist_full[2][:200]
    train, test = x_train.reshape(1000, -1).astype(np.float64), x_test.reshape(200, -1)
    mean = train.mean(axis=0)
    _, _, vt = np.linalg.svd(train - mean, full_matrices=False)
    basis = vt[:12]
    by_hand = (test - mean) @ basis.T @ basis + mean
    expected = np.mean((by_hand - test) ** 2)
    assert evaluation.pca_mean_squared_error(x_train, x_test, 12) == pytest.approx(expected, 1e-5)
    assert evaluation.pca_mean_squared_error(x_train, x_test, 4) > expected


def test_denoising_gain_is_the_psnr_difference():
    rng = np.random.default_rng(0)
    clean = rng.uniform(size=(10, 6))
    noisy, denoised = clean + 0.2, clean + 0.05
    gain = evaluation.denoising_psnr_gain(clean, noisy, denoised)
    assert gain["psnr_gain"] == pytest.approx(20 * np.log10(0.2 / 0.05))


# ------------------------------------------------------------------- anomaly


def _mann_whitney_auroc(scores, labels):
    positive, negative = scores[labels == 1], scores[labels == 0]
    wins = (positive[:, None] > negative[None, :]).sum()
    ties = (positive[:, None] == negative[None, :]).sum()
    return (wins + 0.5 * ties) / (len(positive) * len(negative))


def test_auroc_equals_sklearn_and_rank_statistic(trained_ae, mnist_full):
    x_test, y_test = mnist_full[2][:300], mnist_full[3][:300]
    labels = (y_test == 0).astype(int)  # zeros (large strokes) as the "anomaly"
    scores = evaluation.anomaly_scores(trained_ae, x_test)
    auroc = evaluation.anomaly_auroc(scores, labels)
    assert auroc == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert auroc == pytest.approx(_mann_whitney_auroc(scores, labels), abs=1e-9)
    assert evaluation.anomaly_auprc(scores, labels) == pytest.approx(
        average_precision_score(labels, scores), abs=1e-12)
    # A perfect score and a reversed one: 1 and 0.
    assert evaluation.anomaly_auroc(labels.astype(float), labels) == 1.0
    assert evaluation.anomaly_auroc(-labels.astype(float), labels) == 0.0
    with pytest.raises(ValueError, match="both 0"):
        evaluation.anomaly_auroc(scores, np.zeros_like(labels))


# ------------------------------------------------------------------------ VAE


def test_iw_nll_is_below_negative_elbo_and_non_increasing_in_k(trained_vae, mnist_full):
    x = mnist_full[2][:200]
    neg_elbo = evaluation.negative_elbo(trained_vae, x).mean()
    bounds = {k: evaluation.iw_nll(trained_vae, x, k=k).mean() for k in (1, 10, 100)}
    # k = 1 estimates the same expectation as the (analytic-KL) -ELBO.
    assert bounds[1] == pytest.approx(neg_elbo, rel=0.02)
    assert bounds[100] < neg_elbo
    assert bounds[10] <= bounds[1] + 0.1
    assert bounds[100] <= bounds[10] + 0.1
    assert bounds[1] - bounds[100] > 0.5  # the bound tightens measurably
    # Chunking (7 decoder calls at a time) changes only the Monte Carlo draws.
    chunked = evaluation.iw_nll(trained_vae, x[:50], k=10, batch_size=7).mean()
    whole = evaluation.iw_nll(trained_vae, x[:50], k=10).mean()
    assert chunked == pytest.approx(whole, abs=1.0)


def test_active_units_and_kl_per_dimension(trained_vae, mnist_full):
    x = mnist_full[2][:500]
    kl = evaluation.kl_per_dimension(trained_vae, x)
    assert kl.shape == (8,) and (kl >= 0).all()
    means = np.asarray(trained_vae.encode(x))  # the posterior mean, by another path
    expected = int((np.var(means, axis=0) > 0.01).sum())
    assert evaluation.active_units(trained_vae, x) == expected
    assert expected >= 4
    assert evaluation.active_units(trained_vae, x, threshold=1e9) == 0


def test_variational_metrics_refuse_a_deterministic_model(trained_ae, mnist_full):
    with pytest.raises(ValueError, match="variational"):
        evaluation.iw_nll(trained_ae, mnist_full[2][:10], k=5)


# ------------------------------------------------------------- FID and probe


def test_fid_is_small_between_splits_and_large_against_noise(mnist_classifier, mnist_full):
    x_train, x_test = mnist_full[0], mnist_full[2]
    noise = np.random.default_rng(0).uniform(size=x_test.shape).astype(np.float32)
    same = evaluation.mnist_classifier_fid(x_train[:1000], x_test, mnist_classifier)
    different = evaluation.mnist_classifier_fid(noise, x_test, mnist_classifier)
    assert 0 <= same < 5.0
    assert different > 50 * same


def test_classifier_is_accurate_and_its_features_have_the_declared_width(mnist_classifier,
                                                                        mnist_full):
    x_test, y_test = mnist_full[2], mnist_full[3]
    assert classifier.classifier_accuracy(mnist_classifier, x_test, y_test) > 0.9
    assert classifier.classifier_features(mnist_classifier, x_test[:7]).shape == (7, 64)


def test_fid_uses_the_shipped_classifier_preset(mnist_full):
    if "mnist_classifier" not in zoo.list_presets():
        pytest.skip("the mnist_classifier preset is not installed")
    x_train, x_test = mnist_full[0], mnist_full[2]
    assert evaluation.mnist_classifier_fid(x_train[:1000], x_test) < 5.0


def test_frechet_distance_of_one_dimensional_gaussians():
    # (m1 - m2)^2 + (s1 - s2)^2 for N(m, s^2).
    assert evaluation.frechet_distance([1.0], [[4.0]], [3.0], [[1.0]]) == pytest.approx(5.0)


def test_linear_probe_on_ae_codes_beats_chance_by_far(trained_ae, mnist_full):
    x_train, y_train, x_test, y_test = mnist_full
    accuracy = evaluation.linear_probe_accuracy(
        evaluation.codes(trained_ae, x_train), y_train,
        evaluation.codes(trained_ae, x_test), y_test)
    assert accuracy > 0.85


# --------------------------------------------------------------------- VQ


def test_codebook_perplexity_and_usage():
    uniform = np.repeat(np.arange(8), 5)
    assert evaluation.codebook_perplexity(uniform, 16) == pytest.approx(8.0)
    assert evaluation.codebook_usage(uniform, 16) == 0.5
    assert evaluation.codebook_perplexity(np.zeros((3, 4), int), 16) == pytest.approx(1.0)
    assert evaluation.bits_per_image(49, 16) == 196.0
    with pytest.raises(ValueError, match=r"\[0, 16\)"):
        evaluation.codebook_usage(np.array([3, 16]), 16)


def test_evaluate_vq_vae_reports_its_codebook(digits):
    x_train, x_test = digits
    model = zoo.build("vq_vae", input_shape=(8, 8, 1), latent_dim=4, hidden_units=(32,),
                      num_embeddings=16)
    model.compile(optimizer="adam")
    model.fit(x_train, epochs=2, batch_size=64, verbose=0)
    y_train = zoo.datasets.load("digits", "train")[1]
    y_test = zoo.datasets.load("digits", "test")[1]
    results = evaluation.evaluate(model, (x_train, y_train, x_test, y_test),
                                  metrics=["perplexity", "codebook_usage"])
    codes = np.asarray(model.codes(x_test))
    assert results["perplexity"] == pytest.approx(evaluation.codebook_perplexity(codes, 16))
    # PCA baseline size: one component per code position, not per codebook-vector value.
    assert evaluation.latent_size(model) == codes[0].size < np.prod(model.latent_shape())
    assert results["codebook_usage"] == len(np.unique(codes)) / 16


# ------------------------------------------------------------- evaluate()


def test_evaluate_on_ecg_reports_anomaly_metrics():
    x_test, y_test = zoo.datasets.load("ecg_mitdb", "test")
    model = zoo.build("ae", input_shape=x_test.shape[1:], latent_dim=4, hidden_units=(16,))
    results = evaluation.evaluate(model, "ecg_mitdb")
    assert "linear_probe_accuracy" not in results  # the training windows are all normal
    scores = np.asarray(model.score(x_test))
    assert results["auroc"] == pytest.approx(roc_auc_score(y_test, scores))
    assert results["auprc"] == pytest.approx(average_precision_score(y_test, scores))



def test_evaluate_reports_applicable_metrics(trained_vae, mnist_classifier, mnist_full):
    x_train, y_train, x_test, y_test = mnist_full
    data = (x_train[:1000], y_train[:1000], x_test[:200], y_test[:200])
    results = evaluation.evaluate(trained_vae, data, k=5, classifier=mnist_classifier,
                                  n_samples=200)
    for key in ("mse", "psnr", "pca_mse", "linear_probe_accuracy", "elbo", "iw_nll",
                "active_units", "kl_per_dim", "fid"):
        assert key in results, key
    assert "auroc" not in results and "perplexity" not in results
    assert results["iw_nll"] <= -results["elbo"] + 1.0
    assert results["psnr"] == pytest.approx(-10 * np.log10(results["mse"]))


def test_bad_inputs_raise_one_clear_value_error(trained_vae, mnist_full):
    x_test = mnist_full[2][:20]
    with pytest.raises(ValueError, match="Unknown dataset"):
        evaluation.evaluate(trained_vae, "no_such_data")
    with pytest.raises(ValueError, match="Unknown metric"):
        evaluation.evaluate(trained_vae, "digits", metrics=["mse", "accuracy_of_vibes"])
    with pytest.raises(ValueError, match=r"shape \(batch, 28, 28, 1\)"):
        evaluation.evaluate(trained_vae, "digits", metrics=["mse"])
    for k in (0, -3, 2.5):
        with pytest.raises(ValueError, match="`k` must be an integer >= 1"):
            evaluation.iw_nll(trained_vae, x_test, k=k)
    with pytest.raises(ValueError, match="`k` must be"):
        evaluation.evaluate(trained_vae, "mnist5k", k=0)
