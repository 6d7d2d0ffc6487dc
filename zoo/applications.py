"""Applications of autoencoders, end to end on the embedded real data.

Each function trains what it needs (seeded, small, CPU-friendly), measures
it against a baseline with `zoo.evaluation`, optionally writes figures, and
returns a dict of numbers (plus the trained model under `"model"` where
useful). The notebooks and `bench/` call these.

- `dimensionality_reduction`: 2-D maps of codes; trustworthiness vs PCA.
- `one_class_anomaly_detection`: train on some digits, detect the others.
- `ecg_anomaly_detection`: the labelled MIT-BIH anomaly (DESIGN §7).
- `denoising`: PSNR of denoised vs clean, against the noisy input.
- `feature_extraction`: linear probe on codes vs PCA and raw pixels.
- `compression`: bits per image of VQ codes vs the raw image.
- `generation`: VAE and VQ-VAE samples, MNIST-classifier FID.

Example:
>>> from zoo import applications
>>> applications.one_class_anomaly_detection(anomaly_digits=(7,), epochs=5)["auroc"]
"""

import os
import tempfile

import numpy as np

from zoo import checks, datasets, evaluation
from zoo.evaluation import figures
from zoo.models import classifier as mnist_classifier
from zoo.training import Recipe, train

DEFAULT_OPTIONS = {"mlp": {"hidden_units": (256,)}, "conv": {"filters": (16, 32)}}


def trained_model(variant, x_train, latent_dim=16, backbone="mlp", epochs=10, batch_size=64,
                  learning_rate=2e-3, seed=0, y_train=None, validation_data=None, **options):
    """Returns `(model, history)`: a model trained on `x_train` by `zoo.training.train`.

    The run lives in a temporary run folder, removed afterwards.

    Args:
        variant: str. Name from `zoo.list_models()`.
        x_train: array. Training inputs (and targets, unless `y_train`).
        latent_dim: int. Defaults to `16`.
        backbone: str. Defaults to `"mlp"`.
        epochs: int. Defaults to `10`.
        batch_size: int. Defaults to `64`.
        learning_rate: float. Adam learning rate. Defaults to `2e-3`.
        seed: int. Seeds weights and shuffling.
        y_train: array or None. Targets, e.g. clean images for noisy inputs.
        validation_data: tuple or None. Passed to `fit`.
        **options: variant/backbone options; small defaults per backbone.
    """
    options = {**DEFAULT_OPTIONS.get(backbone, {}), **options}
    recipe = Recipe(variant, backbone=backbone, latent_dim=latent_dim,
                    epochs=checks.positive_int("epochs", epochs), batch_size=batch_size,
                    learning_rate=learning_rate, seed=seed,
                    option=[f"{key}={value!r}" for key, value in options.items()])
    with tempfile.TemporaryDirectory() as run_dir:
        model = train(recipe, run_dir=os.path.join(run_dir, "run"),
                      arrays=(x_train, y_train), validation_data=validation_data, verbose=False)
    return model, model.history


def _figure_path(out_dir, name):
    if out_dir is None:
        return None
    os.makedirs(out_dir, exist_ok=True)
    return os.path.join(out_dir, name)


def _mnist():
    return (*datasets.load("mnist5k", "train"), *datasets.load("mnist5k", "test"))


# ------------------------------------------------ dimensionality reduction


def dimensionality_reduction(latent_dim=2, epochs=15, backbone="mlp", n_neighbors=10, seed=0,
                             out_dir=None):
    """Maps mnist5k digits to `latent_dim` dimensions with an AE and with PCA.

    Trustworthiness (scikit-learn; 1 = the map keeps every local
    neighbourhood) of the AE codes and of the PCA projection, on the test
    split; with `out_dir`, the latent map (PCA and t-SNE views, by digit).

    Returns:
        dict: `ae_trustworthiness`, `pca_trustworthiness`, `model`.
    """
    from sklearn.manifold import trustworthiness

    x_train, _, x_test, y_test = _mnist()
    model, _ = trained_model("ae", x_train, latent_dim, backbone, epochs, seed=seed)
    codes = evaluation.codes(model, x_test)
    pca = evaluation.pca_codes(x_train, x_test, latent_dim, seed)
    flat = x_test.reshape(len(x_test), -1)
    results = {
        "latent_dim": latent_dim,
        "ae_trustworthiness": float(trustworthiness(flat, codes, n_neighbors=n_neighbors)),
        "pca_trustworthiness": float(trustworthiness(flat, pca, n_neighbors=n_neighbors)),
    }
    path = _figure_path(out_dir, "latent_map.png")
    if path:
        results["figure"] = figures.latent_map(path, codes, y_test,
                                               title=f"AE codes ({latent_dim}-D), mnist5k test")
    results["model"] = model
    return results


# --------------------------------------------------------- anomaly detection


def one_class_split(anomaly_digits, dataset="mnist5k"):
    """Returns `(x_train_normal, x_test, test_labels)` for the one-class protocol.

    Train: the training split without the anomaly digits. Test: the whole
    test split, labelled 1 where the digit is an anomaly digit.

    Args:
        anomaly_digits: int or tuple of ints. The held-out classes.
        dataset: str. `"mnist5k"` or `"digits"`. Defaults to `"mnist5k"`.
    """
    held_out = np.atleast_1d(np.asarray(anomaly_digits))
    if held_out.size == 0 or held_out.dtype.kind not in "iu" or not np.isin(
            held_out, np.arange(10)).all():
        raise ValueError("`anomaly_digits` must be digits 0-9. "
                         f"Received: anomaly_digits={anomaly_digits!r}")
    x_train, y_train = datasets.load(dataset, "train")
    x_test, y_test = datasets.load(dataset, "test")
    normal = ~np.isin(y_train, held_out)
    return x_train[normal], x_test, np.isin(y_test, held_out).astype(np.int64)


def pca_anomaly_scores(x_train, x_test, latent_dim, seed=0):
    """Returns the PCA baseline's anomaly scores: per-example squared reconstruction error."""
    recon = evaluation.pca_reconstructions(x_train, x_test, latent_dim, seed)
    return evaluation.squared_error_per_example(x_test, recon)


def _anomaly_row(scores, labels):
    return {"auroc": evaluation.anomaly_auroc(scores, labels),
            "auprc": evaluation.anomaly_auprc(scores, labels)}


def one_class_anomaly_detection(anomaly_digits=(7,), variants=("ae", "vae"), latent_dim=16,
                                epochs=10, backbone="mlp", seed=0, out_dir=None):
    """Trains on the other digits and detects `anomaly_digits` in mnist5k test.

    Each model scores with `model.score` (squared reconstruction error); a
    VAE is also scored by its importance-weighted NLL (`vae_nll`, k = 16).
    PCA at the same latent size is the baseline.

    Returns:
        dict: `{name: {"auroc", "auprc"}}` for each variant and `pca`, plus
        `anomaly_rate` and, with `out_dir`, the ROC figure of the first variant.
    """
    x_train, x_test, labels = one_class_split(anomaly_digits)
    results = {"anomaly_digits": [int(d) for d in np.atleast_1d(anomaly_digits)],
               "anomaly_rate": float(labels.mean()),
               "pca": _anomaly_row(pca_anomaly_scores(x_train, x_test, latent_dim, seed), labels)}
    for variant in variants:
        model, _ = trained_model(variant, x_train, latent_dim, backbone, epochs, seed=seed)
        scores = evaluation.anomaly_scores(model, x_test)
        results[variant] = _anomaly_row(scores, labels)
        if evaluation.is_variational(model):
            nll = evaluation.iw_nll(model, x_test, k=16, seed=seed)
            results[f"{variant}_nll"] = _anomaly_row(nll, labels)
        path = _figure_path(out_dir, f"one_class_{variant}.png")
        if path:
            figures.anomaly_roc(path, scores, labels,
                                title=f"{variant}: digits {results['anomaly_digits']} as anomalies")
    return results


def ecg_anomaly_detection(backbone="conv", latent_dim=16, epochs=30, window=256, stride=8,
                          seed=0, out_dir=None, **options):
    """Detects the labelled abnormal beat of the MIT-BIH excerpt (DESIGN §7 protocol).

    Trains a plain AE on the all-normal training windows, scores the test
    windows with `model.score`, and compares AUROC/AUPRC with PCA. The
    design's reference: PCA 0.48, dense AE 0.74, Conv1D AE 0.80.

    Returns:
        dict: `{"ae": {...}, "pca": {...}}`, `anomalous_windows`,
        `test_windows`, `scores`, `labels`, `model`.
    """
    x_train, _ = datasets.load("ecg_mitdb", "train", window=window, stride=stride)
    x_test, labels = datasets.load("ecg_mitdb", "test", window=window, stride=stride)
    model, _ = trained_model("ae", x_train, latent_dim, backbone, epochs, batch_size=32,
                             learning_rate=1e-3, seed=seed, **options)
    scores = evaluation.anomaly_scores(model, x_test)
    results = {
        "ae": _anomaly_row(scores, labels),
        "pca": _anomaly_row(pca_anomaly_scores(x_train, x_test, latent_dim, seed), labels),
        "anomalous_windows": int(labels.sum()),
        "test_windows": int(len(labels)),
    }
    path = _figure_path(out_dir, "ecg_roc.png")
    if path:
        results["figure"] = figures.anomaly_roc(path, scores, labels,
                                                title=f"ECG ({backbone} AE): abnormal beat")
    results.update(scores=scores, labels=labels, model=model)
    return results


# ----------------------------------------------------------------- denoising


def denoising(corruption="gaussian", noise_level=0.3, latent_dim=32, epochs=10, backbone="conv",
              seed=0, out_dir=None):
    """Trains a denoising AE on mnist5k and measures the PSNR gain on corrupted test digits.

    The test corruption is seeded (`zoo.datasets.corrupt(..., seed=0)`), so
    every model sees the same noisy digits.

    Returns:
        dict: `noisy_psnr`, `denoised_psnr`, `psnr_gain` (dB), `model`.
    """
    x_train, _, x_test, _ = _mnist()
    model, _ = trained_model("denoising_ae", x_train, latent_dim, backbone, epochs, seed=seed,
                             corruption=corruption, noise_level=noise_level)
    noisy = datasets.corrupt(x_test, corruption, noise_level, seed=0)
    denoised = evaluation.reconstructions(model, noisy)
    results = evaluation.denoising_psnr_gain(x_test, noisy, denoised)
    path = _figure_path(out_dir, "denoising.png")
    if path:
        figures.sample_grid(path, np.concatenate([x_test[:8], np.clip(noisy[:8], 0, 1),
                                                  denoised[:8]]), columns=8,
                            title="clean / noisy / denoised")
        results["figure"] = path
    results["model"] = model
    return results


# --------------------------------------------------------- feature extraction


def feature_extraction(latent_dim=32, epochs=10, backbone="mlp", labels_per_class=None, seed=0):
    """Compares a logistic regression on AE codes, PCA codes and raw pixels (mnist5k).

    The autoencoder trains without labels on the whole training split; the
    probe sees `labels_per_class` labelled examples per digit (all when None).

    Returns:
        dict: `ae_probe_accuracy`, `pca_probe_accuracy`, `pixel_probe_accuracy`,
        `labelled_examples`, `model`.
    """
    x_train, y_train, x_test, y_test = _mnist()
    model, _ = trained_model("ae", x_train, latent_dim, backbone, epochs, seed=seed)
    keep = np.arange(len(y_train))
    if labels_per_class is not None:
        per_class = checks.positive_int("labels_per_class", labels_per_class)
        keep = np.concatenate([np.flatnonzero(y_train == c)[:per_class] for c in range(10)])
    y = y_train[keep]
    pixels = x_train.reshape(len(x_train), -1)
    return {
        "labelled_examples": int(len(keep)),
        "ae_probe_accuracy": evaluation.linear_probe_accuracy(
            evaluation.codes(model, x_train[keep]), y, evaluation.codes(model, x_test), y_test,
            seed),
        "pca_probe_accuracy": evaluation.linear_probe_accuracy(
            evaluation.pca_codes(x_train, x_train[keep], latent_dim, seed), y,
            evaluation.pca_codes(x_train, x_test, latent_dim, seed), y_test, seed),
        "pixel_probe_accuracy": evaluation.linear_probe_accuracy(
            pixels[keep], y, x_test.reshape(len(x_test), -1), y_test, seed),
        "model": model,
    }


# ---------------------------------------------------------------- compression


def compression(num_embeddings=32, latent_dim=8, epochs=10, seed=0, out_dir=None):
    """Compresses mnist5k digits to VQ-VAE codes (conv, 7x7 grid) and counts the bits.

    Fixed-width bits: `positions * log2(num_embeddings)`; entropy bits: the
    positions times the empirical code entropy in bits (what an ideal
    entropy coder of independent codes would reach). The raw image is
    784 bytes (6,272 bits) at 8 bits per pixel, or 784 bits binarized.

    Returns:
        dict: `bits_per_image`, `entropy_bits_per_image`, `raw_bits_per_image`,
        `compression_ratio`, `mse`, `pca_mse_same_bits` (PCA with as many
        float16 coefficients as fit in the same bits), `perplexity`,
        `codebook_usage`, `model`.
    """
    x_train, _, x_test, _ = _mnist()
    model, _ = trained_model("vq_vae", x_train, latent_dim, "conv", epochs, seed=seed,
                             num_embeddings=num_embeddings, ema=True)
    test_codes = np.asarray(model.codes(x_test)).astype(np.int64)
    positions = int(np.prod(test_codes.shape[1:]))
    bits = evaluation.bits_per_image(positions, num_embeddings)
    perplexity = evaluation.codebook_perplexity(test_codes, num_embeddings)
    recon = evaluation.reconstructions(model, x_test)
    raw_bits = float(x_test[0].size * 8)
    pca_components = max(1, int(bits // 16))
    results = {
        "positions": positions,
        "bits_per_image": bits,
        "entropy_bits_per_image": float(positions * np.log2(perplexity)),
        "raw_bits_per_image": raw_bits,
        "compression_ratio": raw_bits / bits,
        "mse": evaluation.mean_squared_error(x_test, recon),
        "pca_mse_same_bits": evaluation.pca_mean_squared_error(x_train, x_test, pca_components,
                                                               seed),
        "pca_components_same_bits": pca_components,
        "perplexity": perplexity,
        "codebook_usage": evaluation.codebook_usage(test_codes, num_embeddings),
    }
    path = _figure_path(out_dir, "compression.png")
    if path:
        results["figure"] = figures.reconstruction_grid(
            path, x_test[:10], recon[:10], title=f"VQ-VAE: {bits:.0f} bits per image")
    results["model"] = model
    return results


# ------------------------------------------------------------------ generation


def generation(latent_dim=16, epochs=15, prior_epochs=5, n_samples=500, classifier=None,
               include_vq=True, seed=0, out_dir=None):
    """Trains a VAE (and a VQ-VAE with its code prior) on mnist5k and samples from them.

    FID on the MNIST classifier's features against the test split; the FID
    of as many real training digits against the same test split is the
    floor to compare with.

    Args:
        classifier: keras.Model or None. MNIST classifier; None trains one
            (`zoo.models.classifier.train_mnist_classifier`).
        include_vq: bool. Also train the VQ-VAE and its prior.

    Returns:
        dict: `vae_fid`, `train_fid` (real training digits, the floor),
        optionally `vq_vae_fid`, and `models`.
    """
    x_train, _, x_test, _ = _mnist()
    if classifier is None:
        classifier = mnist_classifier.train_mnist_classifier(seed=seed)
    results = {"train_fid": evaluation.mnist_classifier_fid(x_train[:n_samples], x_test,
                                                            classifier),
               "models": {}}
    vae, _ = trained_model("vae", x_train, latent_dim, "mlp", epochs, seed=seed)
    samples = {"vae": np.asarray(vae.sample(n_samples, seed=seed))}
    results["models"]["vae"] = vae
    if include_vq:
        vq, _ = trained_model("vq_vae", x_train, 8, "conv", epochs, seed=seed,
                              num_embeddings=32, ema=True)
        vq.fit_prior(x_train, epochs=prior_epochs, seed=seed)
        samples["vq_vae"] = np.asarray(vq.sample(n_samples, seed=seed))
        results["models"]["vq_vae"] = vq
    for name, images in samples.items():
        results[f"{name}_fid"] = evaluation.mnist_classifier_fid(images, x_test, classifier)
        path = _figure_path(out_dir, f"samples_{name}.png")
        if path:
            figures.sample_grid(path, images[:32], title=f"{name} samples")
    return results
