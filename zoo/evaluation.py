"""Evaluation metrics of DESIGN §8, each a small function named for what it returns.

Libraries do what they give: scikit-learn (AUROC, AUPRC, PCA, logistic
regression), SciPy (matrix square root for the Fréchet distance) and TFP
(log-probabilities for the ELBO and the importance-weighted NLL). What no
library gives (PSNR, codebook perplexity, active units) is written here.

Units: squared errors are per example (summed over the data dimensions) or
per pixel (mean); log-likelihood quantities are per-example nats.

Example:
>>> from zoo import evaluation
>>> x_test, _ = zoo.datasets.load("mnist5k", "test")
>>> evaluation.mean_squared_error(x_test, evaluation.reconstructions(model, x_test))
0.0123
>>> evaluation.evaluate(model, "mnist5k")["pca_mse"]
"""

import numbers

import numpy as np

from zoo import checks

# Names `evaluate(..., metrics=...)` accepts; also the JSON keys of `aezoo evaluate`.
METRICS = (
    "mse",
    "psnr",
    "pca_mse",
    "linear_probe_accuracy",
    "elbo",
    "iw_nll",
    "active_units",
    "kl_per_dim",
    "fid",
    "perplexity",
    "codebook_usage",
    "auroc",
    "auprc",
)

ACTIVE_UNIT_THRESHOLD = 0.01
# Exact (eigendecomposition of the covariance), fast when examples outnumber features;
# the default randomized solver differs from the exact baseline in the 5th digit.
_PCA_SOLVER = "covariance_eigh"


# ----------------------------------------------------------- array helpers


def _paired_arrays(x, y, where, names=("x", "reconstruction")):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(
            f"{where} expects `{names[0]}` and `{names[1]}` of the same shape. "
            f"Received: {names[0]}.shape={x.shape}, {names[1]}.shape={y.shape}"
        )
    if x.ndim < 1 or x.shape[0] == 0:
        raise ValueError(f"{where} expects a non-empty batch. Received: shape={x.shape}")
    return x, y


def _model_input(model, x, where):
    return checks.batch_array(x, tuple(model.data_shape), where)


def _batches(n, batch_size):
    batch_size = checks.positive_int("batch_size", batch_size)
    return [slice(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]


def _batched(function, x, batch_size):
    return np.concatenate([np.asarray(function(x[s])) for s in _batches(len(x), batch_size)])


# ---------------------------------------------------------- reconstruction


def reconstructions(model, x, batch_size=256):
    """Returns `model.reconstruct(x)` as a numpy array, computed in batches.

    Args:
        model: `zoo.base.Autoencoder`.
        x: array `(n,) + model.data_shape`.
        batch_size: int. Examples per forward pass. Defaults to `256`.

    Returns:
        float32 array shaped like `x`.
    """
    x = _model_input(model, x, "reconstructions")
    return _batched(model.reconstruct_tensor, x, batch_size)


def squared_error_per_example(x, reconstruction):
    """Returns the sum of squared errors of each example, shape `(n,)`."""
    x, y = _paired_arrays(x, reconstruction, "squared_error_per_example")
    return np.square(x - y).reshape(len(x), -1).sum(axis=1)


def mean_squared_error(x, reconstruction):
    """Returns the mean squared error per pixel (per value) over the whole batch."""
    x, y = _paired_arrays(x, reconstruction, "mean_squared_error")
    return float(np.mean(np.square(x - y)))


def psnr(x, reconstruction, data_range=1.0):
    """Returns the peak signal-to-noise ratio in dB, `10 log10(range^2 / MSE)`.

    The MSE is the mean per-pixel squared error over the whole batch.

    Args:
        x: array. Reference (clean) data.
        reconstruction: array of the same shape.
        data_range: float > 0. Peak-to-peak range of the data. Defaults to
            `1.0` (images in [0, 1]).

    Returns:
        float; `inf` when the two arrays are equal.
    """
    data_range = checks.number_in_range("data_range", data_range, 0.0, low_open=True)
    mse = mean_squared_error(x, reconstruction)
    if mse == 0.0:
        return float("inf")
    return float(10.0 * np.log10(data_range**2 / mse))


def binary_cross_entropy_per_example(x, probabilities, epsilon=1e-7):
    """Returns the Bernoulli negative log-likelihood of binary `x` in nats, shape `(n,)`.

    Args:
        x: array of 0s and 1s (binarize first: `zoo.datasets.binarize`).
        probabilities: array of the same shape, predicted P(x = 1).
        epsilon: float. Clip of the probabilities away from 0 and 1.
    """
    x, p = _paired_arrays(x, probabilities, "binary_cross_entropy_per_example",
                          ("x", "probabilities"))
    if not np.isin(x, (0.0, 1.0)).all():
        raise ValueError("binary_cross_entropy_per_example expects binary `x` (0 or 1). "
                         f"Received: values in [{x.min():.3g}, {x.max():.3g}]; binarize first")
    p = np.clip(p, epsilon, 1.0 - epsilon)
    nll = -(x * np.log(p) + (1.0 - x) * np.log1p(-p))
    return nll.reshape(len(x), -1).sum(axis=1)


def denoising_psnr_gain(clean, noisy, denoised, data_range=1.0):
    """Returns the PSNR gain in dB of `denoised` over `noisy`, both against `clean`.

    Returns:
        dict with `noisy_psnr`, `denoised_psnr` and `psnr_gain` (their difference).
    """
    noisy_psnr = psnr(clean, noisy, data_range)
    denoised_psnr = psnr(clean, denoised, data_range)
    return {"noisy_psnr": noisy_psnr, "denoised_psnr": denoised_psnr,
            "psnr_gain": denoised_psnr - noisy_psnr}


# -------------------------------------------------------------- PCA baseline


def _flat(x):
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(len(x), -1)


def pca_reconstructions(x_train, x_test, latent_dim, seed=0):
    """Returns `x_test` projected onto the top `latent_dim` principal components of `x_train`.

    The baseline of every table (DESIGN §8): a linear autoencoder's optimum.

    Args:
        x_train: array `(n_train, ...)`. Fits the components.
        x_test: array `(n_test, ...)` of the same example shape.
        latent_dim: int. Number of components, at most the number of features.
        seed: int. Seed of the SVD solver.

    Returns:
        float32 array shaped like `x_test`.
    """
    from sklearn.decomposition import PCA

    latent_dim = checks.positive_int("latent_dim", latent_dim)
    train, test = _flat(x_train), _flat(x_test)
    if train.shape[1:] != test.shape[1:]:
        raise ValueError("pca_reconstructions expects train and test examples of one shape. "
                         f"Received: {np.shape(x_train)[1:]} and {np.shape(x_test)[1:]}")
    limit = min(train.shape)
    if latent_dim > limit:
        raise ValueError(f"`latent_dim` must be at most min(n_train, features) = {limit}. "
                         f"Received: latent_dim={latent_dim}")
    pca = PCA(latent_dim, svd_solver=_PCA_SOLVER, random_state=seed).fit(train)
    projected = pca.inverse_transform(pca.transform(test))
    return projected.reshape(np.shape(x_test)).astype(np.float32)


def pca_mean_squared_error(x_train, x_test, latent_dim, seed=0):
    """Returns the per-pixel test MSE of the PCA baseline with `latent_dim` components."""
    return mean_squared_error(x_test, pca_reconstructions(x_train, x_test, latent_dim, seed))


def pca_codes(x_train, x, latent_dim, seed=0):
    """Returns the `latent_dim` principal-component coordinates of `x` (fit on `x_train`)."""
    from sklearn.decomposition import PCA

    pca = PCA(checks.positive_int("latent_dim", latent_dim), svd_solver=_PCA_SOLVER,
              random_state=seed)
    return pca.fit(_flat(x_train)).transform(_flat(x)).astype(np.float32)


# ------------------------------------------------------------------- codes


def latent_size(model):
    """Returns the number of latent variables: the PCA baseline's number of components.

    For a continuous code, its number of values (`latent_dim` for a vector
    code). For a model with discrete `codes` (VQ-VAE), the number of code
    positions (e.g. 49 for a 7x7 grid): one latent symbol per position, not
    the width of the codebook vectors it indexes.
    """
    shape = tuple(model.latent_shape())
    if hasattr(model, "codes") and len(shape) > 1:
        shape = shape[:-1]
    return int(np.prod(shape))


def codes(model, x, batch_size=256):
    """Returns the deterministic latent codes `model.encode(x)`, flattened to `(n, features)`."""
    x = _model_input(model, x, "codes")
    z = _batched(model.encode_tensor, x, batch_size)
    return z.reshape(len(z), -1)


def linear_probe_accuracy(train_codes, train_labels, test_codes, test_labels, seed=0):
    """Returns the test accuracy of a logistic regression fit on frozen codes.

    Features are standardized on the training codes first.

    Args:
        train_codes: array `(n_train, features)`.
        train_labels: int array `(n_train,)`, at least two classes.
        test_codes: array `(n_test, features)`.
        test_labels: int array `(n_test,)`.
        seed: int. Seed of the solver.

    Returns:
        float in [0, 1].

    Example:
    >>> evaluation.linear_probe_accuracy(evaluation.codes(m, x_train), y_train,
    ...                                  evaluation.codes(m, x_test), y_test)
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train_codes, test_codes = _flat(train_codes), _flat(test_codes)
    train_labels, test_labels = np.asarray(train_labels), np.asarray(test_labels)
    for name, z, y in (("train", train_codes, train_labels), ("test", test_codes, test_labels)):
        if len(z) != len(y):
            raise ValueError(f"linear_probe_accuracy expects one label per {name} code. "
                             f"Received: {len(z)} codes, {len(y)} labels")
    if len(np.unique(train_labels)) < 2:
        raise ValueError("linear_probe_accuracy needs at least two classes in the training "
                         f"labels. Received: classes {np.unique(train_labels).tolist()}")
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed))
    probe.fit(train_codes, train_labels)
    return float(probe.score(test_codes, test_labels))


# --------------------------------------------------------------------- VAE


def _require_variational(model, where):
    if not all(hasattr(model, a) for a in ("posterior", "prior", "likelihood_distribution")):
        raise ValueError(f"{where} needs a variational model with `posterior`, `prior` and "
                         f"`likelihood_distribution` (e.g. 'vae'). Received: "
                         f"{type(model).__name__}")


def is_variational(model):
    """True when `model` has a TFP posterior, prior and likelihood (a VAE)."""
    return all(hasattr(model, a) for a in ("posterior", "prior", "likelihood_distribution"))


def _stateless_seed(seed, counter):
    import tensorflow as tf

    return tf.constant([int(seed), int(counter)], tf.int32)


def _kl_divergence(model, posterior, z):
    """KL(q || p) per example: the model's own (analytic, or one-sample MC for a mixture prior)."""
    import tensorflow as tf

    if hasattr(model, "kl_divergence"):
        return model.kl_divergence(posterior, z)
    return tf.reduce_sum(model.kl_per_dimension(posterior), axis=-1)


def negative_elbo(model, x, batch_size=256, seed=0):
    """Returns the per-example negative ELBO in nats, shape `(n,)`.

    `-ELBO = -log p(x|z) + KL(q(z|x) || p(z))` with one reparameterized
    sample `z ~ q(z|x)` and TFP's analytic KL (a one-sample estimate at `z`
    for a mixture prior).

    Args:
        model: a VAE (`posterior`, `prior`, `likelihood_distribution`).
        x: array `(n,) + model.data_shape`.
        batch_size: int. Examples per forward pass. Defaults to `256`.
        seed: int. Same seed, same samples.
    """
    import tensorflow as tf

    _require_variational(model, "negative_elbo")
    x = _model_input(model, x, "negative_elbo")
    values = []
    for i, s in enumerate(_batches(len(x), batch_size)):
        chunk = tf.constant(x[s])
        posterior = model.posterior(chunk)
        z = posterior.sample(seed=_stateless_seed(seed, i))
        kl = _kl_divergence(model, posterior, z)
        outputs = model.decoder(z, training=False)
        log_likelihood = model.likelihood_distribution(outputs).log_prob(chunk)
        values.append((kl - log_likelihood).numpy())
    return np.concatenate(values)


def _log_importance_weights(model, chunk, k, seed, samples_per_call, counter):
    """Returns log p(x|z) + log p(z) - log q(z|x) for k samples, shape `(k, batch)`."""
    import tensorflow as tf

    posterior = model.posterior(chunk)
    weights = []
    for start in range(0, k, samples_per_call):
        n = min(samples_per_call, k - start)
        z = posterior.sample(n, seed=_stateless_seed(seed, counter + start))  # (n, b, d)
        flat_z = tf.reshape(z, (-1,) + tuple(model.latent_shape()))
        outputs = model.decoder(flat_z, training=False)
        outputs = tf.reshape(outputs, (n, -1) + tuple(outputs.shape[1:]))
        log_likelihood = model.likelihood_distribution(outputs).log_prob(chunk)
        weights.append(log_likelihood + model.prior.log_prob(z) - posterior.log_prob(z))
    return tf.concat(weights, axis=0)


def iw_nll(model, x, k=100, batch_size=4096, seed=0):
    """Returns the importance-weighted negative log-likelihood in nats, shape `(n,)`.

    `-log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x)`, `z_i ~ q(z|x)`, a
    log-mean-exp over k samples of TFP log-probabilities. An upper bound on
    -log p(x) that tightens as k grows; k = 1 is the one-sample -ELBO.

    Args:
        model: a VAE (`posterior`, `prior`, `likelihood_distribution`, `decoder`).
        x: array `(n,) + model.data_shape`.
        k: int >= 1. Importance samples per example. Defaults to `100`.
        batch_size: int. Most decoder evaluations (examples x samples) in one
            call, which bounds memory. Defaults to `4096`.
        seed: int. Same seed, same samples.

    Returns:
        float64 array `(n,)`.

    Reference:
    - Burda, Grosse & Salakhutdinov, "Importance Weighted Autoencoders", ICLR 2016.
    """
    import tensorflow as tf

    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"`k` must be an integer >= 1 (importance samples). Received: k={k!r}")
    batch_size = checks.positive_int("batch_size", batch_size)
    _require_variational(model, "iw_nll")
    x = _model_input(model, x, "iw_nll")
    examples_per_chunk = max(1, batch_size // k)
    samples_per_call = max(1, min(k, batch_size // examples_per_chunk))
    values = []
    for i, s in enumerate(_batches(len(x), examples_per_chunk)):
        chunk = tf.constant(x[s])
        log_weights = _log_importance_weights(model, chunk, k, seed, samples_per_call, i * k)
        log_mean = tf.reduce_logsumexp(tf.cast(log_weights, tf.float64), axis=0) - np.log(k)
        values.append(-log_mean.numpy())
    return np.concatenate(values)


def posterior_means(model, x, batch_size=256):
    """Returns E_q[z|x] for each example, shape `(n, latent_dim)`."""
    _require_variational(model, "posterior_means")
    x = _model_input(model, x, "posterior_means")
    return _batched(lambda chunk: model.posterior(chunk).mean(), x, batch_size)


def kl_per_dimension(model, x, batch_size=256):
    """Returns KL(q(z|x) || p(z)) per latent dimension, averaged over `x`, shape `(latent_dim,)`."""
    _require_variational(model, "kl_per_dimension")
    x = _model_input(model, x, "kl_per_dimension")
    per_example = _batched(lambda c: model.kl_per_dimension(model.posterior(c)), x, batch_size)
    return per_example.mean(axis=0)


def active_unit_mask(model, x, threshold=ACTIVE_UNIT_THRESHOLD, batch_size=256):
    """Returns which latent units are active: Cov_x(E_q[z|x]) > threshold, shape `(latent_dim,)`.

    Reference:
    - Burda, Grosse & Salakhutdinov, "Importance Weighted Autoencoders", ICLR 2016.
    """
    threshold = checks.number_in_range("threshold", threshold, 0.0)
    means = posterior_means(model, x, batch_size)
    return np.var(means, axis=0) > threshold


def active_units(model, x, threshold=ACTIVE_UNIT_THRESHOLD, batch_size=256):
    """Returns the number of active latent units (see `active_unit_mask`)."""
    return int(active_unit_mask(model, x, threshold, batch_size).sum())


# ------------------------------------------------------------------ VQ-VAE


def _integer_codes(codes_array, num_embeddings):
    values = np.asarray(codes_array)
    if values.size == 0 or values.dtype.kind not in "iu":
        raise ValueError("Expected a non-empty integer array of codebook indices. Received: "
                         f"dtype={values.dtype}, size={values.size}")
    values = values.ravel()
    if num_embeddings is not None:
        num_embeddings = checks.positive_int("num_embeddings", num_embeddings)
        if values.min() < 0 or values.max() >= num_embeddings:
            raise ValueError(f"Codes must lie in [0, {num_embeddings}). Received: "
                             f"[{values.min()}, {values.max()}]")
    elif values.min() < 0:
        raise ValueError(f"Codes must be non-negative. Received: min={values.min()}")
    return values


def codebook_perplexity(codes_array, num_embeddings=None):
    """Returns exp(entropy) of the code histogram: the effective number of codes used.

    Args:
        codes_array: int array of codebook indices, any shape.
        num_embeddings: int or None. Codebook size, for a range check.

    Returns:
        float in [1, num_embeddings].

    Reference:
    - van den Oord et al., "Neural Discrete Representation Learning", NeurIPS 2017.
    """
    values = _integer_codes(codes_array, num_embeddings)
    counts = np.bincount(values)
    p = counts[counts > 0] / values.size
    return float(np.exp(-np.sum(p * np.log(p))))


def codebook_usage(codes_array, num_embeddings):
    """Returns the fraction of the `num_embeddings` codes that occur at least once."""
    values = _integer_codes(codes_array, num_embeddings)
    return float(len(np.unique(values)) / num_embeddings)


def bits_per_image(codes_per_image, num_embeddings):
    """Returns the bits to store one image's codes at a fixed width: `codes * log2(K)`."""
    codes_per_image = checks.positive_int("codes_per_image", codes_per_image)
    num_embeddings = checks.positive_int("num_embeddings", num_embeddings)
    return float(codes_per_image * np.log2(num_embeddings))


# --------------------------------------------------------------------- FID


def frechet_distance(mean_a, covariance_a, mean_b, covariance_b):
    """Returns the Fréchet distance between two Gaussians.

    `|m_a - m_b|^2 + Tr(C_a + C_b - 2 (C_a C_b)^(1/2))`, with SciPy's
    `linalg.sqrtm`; a tiny imaginary part from round-off is dropped.

    Reference:
    - Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge
      to a Local Nash Equilibrium", NeurIPS 2017.
    """
    import warnings

    from scipy import linalg

    mean_a, mean_b = np.atleast_1d(mean_a), np.atleast_1d(mean_b)
    covariance_a, covariance_b = np.atleast_2d(covariance_a), np.atleast_2d(covariance_b)
    if mean_a.shape != mean_b.shape or covariance_a.shape != covariance_b.shape:
        raise ValueError("frechet_distance expects statistics of one dimension. Received: "
                         f"{mean_a.shape} and {mean_b.shape}")
    with warnings.catch_warnings():
        # Dead ReLU features make the covariances singular; sqrtm still works.
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = linalg.sqrtm(covariance_a @ covariance_b)
        if not np.isfinite(root).all():
            offset = np.eye(len(covariance_a)) * 1e-6
            root = linalg.sqrtm((covariance_a + offset) @ (covariance_b + offset))
    root = np.real(root)
    difference = mean_a - mean_b
    return float(difference @ difference + np.trace(covariance_a + covariance_b - 2.0 * root))


def feature_statistics(features):
    """Returns the mean and covariance of `features` `(n, d)`, n >= 2."""
    features = _flat(features)
    if len(features) < 2:
        raise ValueError(f"Need at least 2 feature vectors. Received: {len(features)}")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def default_mnist_classifier():
    """Returns the shipped `mnist_classifier` preset, or raises a clear error if absent."""
    try:
        import zoo

        return zoo.load("mnist_classifier")
    except (ImportError, AttributeError, KeyError, ValueError, FileNotFoundError) as error:
        raise ValueError(
            "mnist_classifier_fid needs the project's MNIST classifier: pass "
            "`classifier=zoo.classifier.train_mnist_classifier()` or install the "
            f"'mnist_classifier' preset. Received: zoo.load('mnist_classifier') failed ({error})"
        ) from None


def mnist_classifier_fid(images_a, images_b, classifier=None, batch_size=256):
    """Returns the Fréchet distance between two image sets in MNIST-classifier feature space.

    Features are the penultimate layer of the project's own small MNIST CNN
    (`zoo.classifier`), not Inception: numbers compare within aezoo only.

    Args:
        images_a: array `(n, 28, 28, 1)` in [0, 1], n >= 2.
        images_b: array `(m, 28, 28, 1)` in [0, 1], m >= 2.
        classifier: keras.Model or None. The classifier; None loads the
            `mnist_classifier` preset.
        batch_size: int. Images per forward pass.

    Returns:
        float >= 0 (up to round-off).

    Example:
    >>> clf = zoo.classifier.train_mnist_classifier()
    >>> evaluation.mnist_classifier_fid(vae.sample(1000, seed=0), x_test, clf)
    """
    from zoo import classifier as mnist_classifier

    model = default_mnist_classifier() if classifier is None else classifier
    statistics = [
        feature_statistics(mnist_classifier.classifier_features(model, images, batch_size))
        for images in (images_a, images_b)
    ]
    return frechet_distance(*statistics[0], *statistics[1])


# ----------------------------------------------------------------- anomaly


def _scores_and_labels(scores, labels, where):
    scores, labels = np.asarray(scores, dtype=np.float64).ravel(), np.asarray(labels).ravel()
    if scores.shape != labels.shape:
        raise ValueError(f"{where} expects one label per score. Received: {scores.shape[0]} "
                         f"scores, {labels.shape[0]} labels")
    if set(np.unique(labels).tolist()) != {0, 1}:
        raise ValueError(f"{where} expects binary labels with both 0 (normal) and 1 (anomaly). "
                         f"Received: classes {np.unique(labels).tolist()}")
    return scores, labels.astype(np.int64)


def anomaly_auroc(scores, labels):
    """Returns the area under the ROC curve of anomaly `scores` (higher = more anomalous).

    Args:
        scores: array `(n,)`, e.g. `model.score(x)`.
        labels: array `(n,)` of 0 (normal) and 1 (anomaly).
    """
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(*reversed(_scores_and_labels(scores, labels, "anomaly_auroc"))))


def anomaly_auprc(scores, labels):
    """Returns the average precision (area under precision-recall) of anomaly `scores`."""
    from sklearn.metrics import average_precision_score

    scores, labels = _scores_and_labels(scores, labels, "anomaly_auprc")
    return float(average_precision_score(labels, scores))


def anomaly_scores(model, x, batch_size=256):
    """Returns `model.score(x)` as a numpy array, computed in batches."""
    x = _model_input(model, x, "anomaly_scores")
    return _batched(model.score_tensor, x, batch_size)


# ---------------------------------------------------------- whole-dataset


def applicable_metrics(model, y_train, y_test, classifier_available=True):
    """Returns the names of `METRICS` that apply to `model` and the data's labels.

    Classification labels (two or more classes in train) give the linear
    probe; an all-normal train split with binary test labels gives AUROC and
    AUPRC; a VAE gives the ELBO, IW-NLL, active units and KL per dimension; a
    model with `codes` gives perplexity and codebook usage; a model with
    `sample` on 28x28x1 images gives FID when a classifier is available.
    """
    names = ["mse", "psnr", "pca_mse"]
    train_classes = np.unique(y_train) if y_train is not None else np.array([])
    test_classes = np.unique(y_test) if y_test is not None else np.array([])
    if len(train_classes) >= 2:
        names.append("linear_probe_accuracy")
    elif len(train_classes) <= 1 and set(test_classes.tolist()) == {0, 1}:
        names += ["auroc", "auprc"]
    if is_variational(model):
        names += ["elbo", "iw_nll", "active_units", "kl_per_dim"]
    if hasattr(model, "sample") and tuple(model.data_shape) == (28, 28, 1) and classifier_available:
        names.append("fid")
    if hasattr(model, "codes"):
        names += ["perplexity", "codebook_usage"]
    return [name for name in METRICS if name in names]


def check_metric_names(names):
    """Returns `names` as a list, or raises ValueError naming the unknown ones."""
    names = [names] if isinstance(names, str) else list(names)
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise ValueError(f"Unknown metric names. Expected some of {list(METRICS)}. "
                         f"Received: {unknown}")
    return names


def dataset_arrays(data):
    """Returns `(x_train, y_train, x_test, y_test)` from a dataset name or such a tuple."""
    from zoo import datasets

    if isinstance(data, str):
        if data not in datasets.list_datasets():
            raise ValueError(f"Unknown dataset. Expected one of {datasets.list_datasets()}. "
                             f"Received: data={data!r}")
        return (*datasets.load(data, "train"), *datasets.load(data, "test"))
    if not isinstance(data, (tuple, list)) or len(data) != 4:
        raise ValueError("`data` must be a dataset name or a tuple (x_train, y_train, x_test, "
                         f"y_test). Received: {type(data).__name__}")
    return data


def evaluate(model, data, metrics=None, k=100, classifier=None, n_samples=1000, batch_size=256,
             seed=0):
    """Returns a dict of the metrics of DESIGN §8 that apply to `model` on `data`.

    Args:
        model: `zoo.base.Autoencoder`.
        data: str (a name from `zoo.datasets.list_datasets()`) or a tuple
            `(x_train, y_train, x_test, y_test)`. Test data is evaluated;
            train data fits the PCA baseline and the linear probe.
        metrics: list of str or None. Names from `METRICS`; None means every
            metric that applies (`applicable_metrics`).
        k: int >= 1. Importance samples for `iw_nll`. Defaults to `100`.
        classifier: keras.Model or None. MNIST classifier for `fid`; None
            loads the `mnist_classifier` preset (FID is skipped if absent
            and `metrics` is None).
        n_samples: int. Generated images for `fid`. Defaults to `1000`.
        batch_size: int. Examples per forward pass.
        seed: int. Seed of every sampled quantity.

    Returns:
        dict: metric name -> float (int for `active_units`, list for
        `kl_per_dim`), plus `latent_dim` (`latent_size(model)`, also the
        number of PCA components), `k` (when `iw_nll` ran) and `n_test`.

    Example:
    >>> evaluation.evaluate(zoo.load("vae_conv_mnist"), "mnist5k")
    {'mse': ..., 'psnr': ..., 'pca_mse': ..., 'elbo': ..., 'iw_nll': ...}
    """
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"`k` must be an integer >= 1 (importance samples). Received: k={k!r}")
    if metrics is not None:
        metrics = check_metric_names(metrics)
    x_train, y_train, x_test, y_test = dataset_arrays(data)
    x_test = _model_input(model, x_test, "evaluate")
    x_train = _model_input(model, x_train, "evaluate (train data)")
    generative_mnist = hasattr(model, "sample") and tuple(model.data_shape) == (28, 28, 1)
    if classifier is None and metrics is None and generative_mnist:
        try:
            classifier = default_mnist_classifier()
        except ValueError:
            classifier = False
    names = (applicable_metrics(model, y_train, y_test, classifier is not False)
             if metrics is None else metrics)
    return _metric_values(model, names, x_train, y_train, x_test, y_test, k=k,
                          classifier=None if classifier is False else classifier,
                          n_samples=n_samples,
                          batch_size=batch_size, seed=seed)


def _metric_values(model, names, x_train, y_train, x_test, y_test, k, classifier, n_samples,
                   batch_size, seed):
    results = {"n_test": int(len(x_test)), "latent_dim": latent_size(model)}
    if {"mse", "psnr"} & set(names):
        recon = reconstructions(model, x_test, batch_size)
        results.update(mse=mean_squared_error(x_test, recon), psnr=psnr(x_test, recon))
    if "pca_mse" in names:
        results["pca_mse"] = pca_mean_squared_error(x_train, x_test, results["latent_dim"], seed)
    if "linear_probe_accuracy" in names:
        results["linear_probe_accuracy"] = linear_probe_accuracy(
            codes(model, x_train, batch_size), y_train, codes(model, x_test, batch_size), y_test,
            seed)
    if "elbo" in names:
        results["elbo"] = -float(np.mean(negative_elbo(model, x_test, batch_size, seed)))
    if "iw_nll" in names:
        results["iw_nll"] = float(np.mean(iw_nll(model, x_test, k, seed=seed)))
        results["k"] = int(k)
    if "active_units" in names:
        results["active_units"] = active_units(model, x_test, batch_size=batch_size)
    if "kl_per_dim" in names:
        results["kl_per_dim"] = [float(v) for v in kl_per_dimension(model, x_test, batch_size)]
    if "fid" in names:
        if not hasattr(model, "sample"):
            raise ValueError("fid needs a generative model with `sample(n)` (e.g. 'vae'). "
                             f"Received: {type(model).__name__}")
        generated = np.asarray(model.sample(n_samples, seed=seed))
        results["fid"] = mnist_classifier_fid(generated, x_test, classifier, batch_size)
    if {"perplexity", "codebook_usage"} & set(names):
        results.update(_codebook_metrics(model, x_test, batch_size))
    if {"auroc", "auprc"} & set(names):
        scores = anomaly_scores(model, x_test, batch_size)
        results.update(auroc=anomaly_auroc(scores, y_test), auprc=anomaly_auprc(scores, y_test))
    return results


def _codebook_metrics(model, x, batch_size):
    if not hasattr(model, "codes"):
        raise ValueError("perplexity and codebook_usage need a model with `codes(x)` "
                         f"(e.g. 'vq_vae'). Received: {type(model).__name__}")
    values = _batched(lambda c: np.asarray(model.codes(c)), x, batch_size).astype(np.int64)
    size = int(model.num_embeddings)
    return {"perplexity": codebook_perplexity(values, size),
            "codebook_usage": codebook_usage(values, size)}
