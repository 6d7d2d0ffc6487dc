"""Generative metrics: the Fréchet distance on the project's MNIST-classifier features.

Features are the penultimate layer of the project's own small MNIST CNN
(`zoo.models.classifier`), not Inception: numbers compare within aezoo only.

Example:
>>> from zoo import evaluation
>>> evaluation.mnist_classifier_fid(vae.sample(1000, seed=0), x_test)
23.8
"""

import numpy as np

from zoo.evaluation.common import flat


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
    features = flat(features)
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
            "`classifier=zoo.models.classifier.train_mnist_classifier()` or install the "
            f"'mnist_classifier' preset. Received: zoo.load('mnist_classifier') failed ({error})"
        ) from None


def mnist_classifier_fid(images_a, images_b, classifier=None, batch_size=256):
    """Returns the Fréchet distance between two image sets in MNIST-classifier feature space.

    Features are the penultimate layer of the project's own small MNIST CNN
    (`zoo.models.classifier`), not Inception: numbers compare within aezoo only.

    Args:
        images_a: array `(n, 28, 28, 1)` in [0, 1], n >= 2.
        images_b: array `(m, 28, 28, 1)` in [0, 1], m >= 2.
        classifier: keras.Model or None. The classifier; None loads the
            `mnist_classifier` preset.
        batch_size: int. Images per forward pass.

    Returns:
        float >= 0 (up to round-off).

    Example:
    >>> clf = zoo.models.classifier.train_mnist_classifier()
    >>> evaluation.mnist_classifier_fid(vae.sample(1000, seed=0), x_test, clf)
    """
    from zoo.models import classifier as mnist_classifier

    model = default_mnist_classifier() if classifier is None else classifier
    statistics = [
        feature_statistics(mnist_classifier.classifier_features(model, images, batch_size))
        for images in (images_a, images_b)
    ]
    return frechet_distance(*statistics[0], *statistics[1])


def _pairwise_distances(a, b):
    squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(squared, 0.0))


def _kth_neighbour_radii(features, k, chunk=1000):
    radii = np.empty(len(features))
    for i in range(0, len(features), chunk):
        distances = _pairwise_distances(features[i:i + chunk], features)
        radii[i:i + chunk] = np.partition(distances, k, axis=1)[:, k]  # [:, 0] is the point
    return radii


def _inside_manifold(queries, support, radii, chunk=1000):
    inside = np.zeros(len(queries), bool)
    for i in range(0, len(queries), chunk):
        distances = _pairwise_distances(queries[i:i + chunk], support)
        inside[i:i + chunk] = (distances <= radii[None, :]).any(axis=1)
    return inside


def precision_recall(real_features, generated_features, k=3):
    """Returns improved precision and recall of generated samples, `{"precision", "recall"}`.

    Each set's manifold is the union of balls around its points reaching
    their k-th nearest neighbour. Precision: the fraction of generated
    points inside the real manifold (are samples realistic?). Recall: the
    fraction of real points inside the generated manifold (is the data's
    variety covered?).

    Args:
        real_features: array `(n, d)`, n > k.
        generated_features: array `(m, d)`, m > k.
        k: int. Neighbour defining each ball's radius. Defaults to `3`.

    Reference:
    - Kynkäänniemi et al., "Improved Precision and Recall Metric for
      Assessing Generative Models", NeurIPS 2019.
    """
    real = flat(real_features).astype(np.float64)
    generated = flat(generated_features).astype(np.float64)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1 or min(len(real),
                                                                   len(generated)) <= k:
        raise ValueError(f"precision_recall needs an integer k >= 1 and more than k points in "
                         f"each set. Received: k={k!r}, {len(real)} real and {len(generated)} "
                         "generated")
    precision = _inside_manifold(generated, real, _kth_neighbour_radii(real, k)).mean()
    recall = _inside_manifold(real, generated, _kth_neighbour_radii(generated, k)).mean()
    return {"precision": float(precision), "recall": float(recall)}


def mnist_classifier_precision_recall(generated, real, classifier=None, k=3, batch_size=256):
    """`precision_recall` on the MNIST-classifier features of generated and real images."""
    from zoo.models import classifier as mnist_classifier

    model = default_mnist_classifier() if classifier is None else classifier
    features = [mnist_classifier.classifier_features(model, images, batch_size)
                for images in (real, generated)]
    return precision_recall(features[0], features[1], k)
