"""The evaluation suite: which metrics apply to a model and its data, and running them.

What applies is read from the model's declared capabilities
(`zoo.models.capabilities_of`), the metric families it carries
(`model.carried_metrics`) and the data's labels — never from a variant or
dataset name.

Example:
>>> from zoo import evaluation
>>> evaluation.evaluate(zoo.load("vae_conv_mnist"), "mnist5k")
{'mse': ..., 'psnr': ..., 'pca_mse': ..., 'elbo': ..., 'iw_nll': ...}
"""

import numbers

import numpy as np

from zoo import datasets, models
from zoo.evaluation import anomaly, codebook, generative, likelihood, representation
from zoo.evaluation.common import batched, codes, latent_size, model_input
from zoo.evaluation.reconstruction import (
    denoising_psnr,
    mean_squared_error,
    pca_mean_squared_error,
    pca_reconstructions,
    psnr,
    squared_error_per_example,
)

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

# Metric families a model may carry (`Autoencoder.carried_metrics`): name -> function
# `(model, x, batch_size) -> dict`.
CARRIED = {
    "code_sparsity": representation.code_sparsity,
    "jacobian_norm": representation.jacobian_norm,
    "denoising_psnr": denoising_psnr,
}

# Importance samples of the IW-NLL on preset cards.
CARD_IW_SAMPLES = 500


def _generates_classifier_images(model):
    from zoo.models import classifier

    return (models.has_capability(model, "samples")
            and tuple(model.data_shape) == classifier.INPUT_SHAPE)


def applicable_metrics(model, y_train, y_test, classifier_available=True):
    """Returns the names of `METRICS` that apply to `model` and the data's labels.

    Classification labels (two or more classes in train) give the linear
    probe; an all-normal train split with binary test labels gives AUROC and
    AUPRC; the `"posterior"` capability gives the ELBO, IW-NLL, active units
    and KL per dimension; `"discrete_codes"` gives perplexity and codebook
    usage; `"samples"` on 28x28x1 images gives FID when a classifier is
    available.
    """
    names = ["mse", "psnr", "pca_mse"]
    train_classes = np.unique(y_train) if y_train is not None else np.array([])
    test_classes = np.unique(y_test) if y_test is not None else np.array([])
    if len(train_classes) >= 2:
        names.append("linear_probe_accuracy")
    elif len(train_classes) <= 1 and set(test_classes.tolist()) == {0, 1}:
        names += ["auroc", "auprc"]
    capabilities = models.capabilities_of(model)
    if "posterior" in capabilities:
        names += ["elbo", "iw_nll", "active_units", "kl_per_dim"]
    if _generates_classifier_images(model) and classifier_available:
        names.append("fid")
    if "discrete_codes" in capabilities:
        names += ["perplexity", "codebook_usage"]
    return [name for name in METRICS if name in names]


def carried_metrics(model, x, batch_size=256):
    """Returns the metrics of every family in `model.carried_metrics` (see `CARRIED`)."""
    results = {}
    for name in getattr(model, "carried_metrics", ()):
        if name not in CARRIED:
            raise ValueError(f"{type(model).__name__} carries an unknown metric family. "
                             f"Expected some of {sorted(CARRIED)}. Received: {name!r}")
        results.update(CARRIED[name](model, x, batch_size))
    return results


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
        model: `zoo.models.base.Autoencoder`.
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
        number of PCA components), `k` (when `iw_nll` ran), `n_test`, and
        with `metrics=None` the metrics the model carries (`CARRIED`).

    Example:
    >>> evaluation.evaluate(zoo.load("vae_conv_mnist"), "mnist5k")
    {'mse': ..., 'psnr': ..., 'pca_mse': ..., 'elbo': ..., 'iw_nll': ...}
    """
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"`k` must be an integer >= 1 (importance samples). Received: k={k!r}")
    if metrics is not None:
        metrics = check_metric_names(metrics)
    x_train, y_train, x_test, y_test = dataset_arrays(data)
    x_test = model_input(model, x_test, "evaluate")
    x_train = model_input(model, x_train, "evaluate (train data)")
    if classifier is None and metrics is None and _generates_classifier_images(model):
        try:
            classifier = generative.default_mnist_classifier()
        except ValueError:
            classifier = False
    names = (applicable_metrics(model, y_train, y_test, classifier is not False)
             if metrics is None else metrics)
    results = _metric_values(model, names, x_train, y_train, x_test, y_test, k=k,
                             classifier=None if classifier is False else classifier,
                             n_samples=n_samples, batch_size=batch_size, seed=seed)
    if metrics is None:
        results.update(carried_metrics(model, x_test, batch_size))
    return results


def _metric_values(model, names, x_train, y_train, x_test, y_test, k, classifier, n_samples,
                   batch_size, seed):
    results = {"n_test": int(len(x_test)), "latent_dim": latent_size(model)}
    if {"mse", "psnr"} & set(names):
        recon = batched(model.reconstruct_tensor, x_test, batch_size)
        results.update(mse=mean_squared_error(x_test, recon), psnr=psnr(x_test, recon))
    if "pca_mse" in names:
        results["pca_mse"] = pca_mean_squared_error(x_train, x_test, results["latent_dim"], seed)
    if "linear_probe_accuracy" in names:
        results["linear_probe_accuracy"] = representation.linear_probe_accuracy(
            codes(model, x_train, batch_size), y_train, codes(model, x_test, batch_size), y_test,
            seed)
    if "elbo" in names:
        results["elbo"] = -float(np.mean(likelihood.negative_elbo(model, x_test, batch_size,
                                                                  seed)))
    if "iw_nll" in names:
        results["iw_nll"] = float(np.mean(likelihood.iw_nll(model, x_test, k, seed=seed)))
        results["k"] = int(k)
    if "active_units" in names:
        results["active_units"] = likelihood.active_units(model, x_test, batch_size=batch_size)
    if "kl_per_dim" in names:
        results["kl_per_dim"] = [float(v) for v in
                                 likelihood.kl_per_dimension(model, x_test, batch_size)]
    if "fid" in names:
        if not models.has_capability(model, "samples"):
            raise ValueError("fid needs a generative model (the 'samples' capability, e.g. "
                             f"'vae'). Received: {type(model).__name__}")
        generated = np.asarray(model.sample(n_samples, seed=seed))
        results["fid"] = generative.mnist_classifier_fid(generated, x_test, classifier,
                                                         batch_size)
        results.update(generative.mnist_classifier_precision_recall(
            generated, x_test, classifier, batch_size=batch_size))
    if {"perplexity", "codebook_usage"} & set(names):
        results.update(_codebook_metrics(model, x_test, batch_size))
    if {"auroc", "auprc"} & set(names):
        scores = anomaly.anomaly_scores(model, x_test, batch_size)
        results.update(auroc=anomaly.anomaly_auroc(scores, y_test),
                       auprc=anomaly.anomaly_auprc(scores, y_test))
    return results


def _codebook_metrics(model, x, batch_size):
    if not models.has_capability(model, "discrete_codes"):
        raise ValueError("perplexity and codebook_usage need a model with discrete codes (the "
                         f"'discrete_codes' capability, e.g. 'vq_vae'). Received: "
                         f"{type(model).__name__}")
    values = batched(lambda c: np.asarray(model.codes(c)), x, batch_size).astype(np.int64)
    size = int(model.num_embeddings)
    return {"perplexity": codebook.codebook_perplexity(values, size),
            "codebook_usage": codebook.codebook_usage(values, size)}


def measure(model, dataset, preprocessing="none", classifier=None, k=CARD_IW_SAMPLES):
    """Measures a model on an embedded dataset's test split: the metrics of its card.

    A classifier gets its accuracy. On anomaly data (`dataset_spec(name).labels
    == "anomaly"`) an autoencoder gets MSE, AUROC and AUPRC of `score` beside
    the PCA AUROC. Otherwise: MSE, PSNR, a linear probe and the PCA baseline
    at the same latent size (and the ratio to it); with a posterior, -ELBO,
    IW-NLL (`k` samples) and active units; with discrete codes, perplexity,
    usage and bits per image (instead of PCA, which has no meaning for
    discrete codes); with samples of 28x28x1 images, the MNIST-classifier
    FID of 1,000 samples; then the metrics the model carries.

    Args:
        model: the trained model.
        dataset: str. A name from `zoo.datasets.list_datasets()`.
        preprocessing: str. `"none"` or `"binarize"`. Defaults to `"none"`.
        classifier: keras.Model or None. FID classifier; None loads the
            `mnist_classifier` preset when it exists.
        k: int. Importance samples of the IW-NLL. Defaults to `500`.

    Returns:
        dict of metrics.

    Example:
    >>> evaluation.measure(zoo.load("ae_conv_mnist"), "mnist5k")
    {'mse': 0.0104, 'pca_mse': 0.0270, 'ratio_to_pca': 0.386, ...}
    """
    from zoo.models import classifier as mnist_classifier

    x_train, y_train = datasets.load(dataset, "train")
    x_test, y_test = datasets.load(dataset, "test")
    x_train = datasets.preprocessed(x_train, preprocessing)
    x_test = datasets.preprocessed(x_test, preprocessing)
    capabilities = models.capabilities_of(model)
    if "classifies" in capabilities:
        return {"accuracy": mnist_classifier.classifier_accuracy(model, x_test, y_test)}
    data = (x_train, y_train, x_test, y_test)
    if datasets.dataset_spec(dataset).labels == "anomaly":
        metrics = evaluate(model, data, metrics=["mse", "auroc", "auprc"])
        pca = pca_reconstructions(x_train, x_test, model.latent_dim)
        metrics["pca_auroc"] = anomaly.anomaly_auroc(squared_error_per_example(x_test, pca),
                                                     y_test)
        metrics["anomalous_windows"] = int(np.sum(y_test))
        return metrics
    discrete = "discrete_codes" in capabilities
    names = ["mse", "psnr", "linear_probe_accuracy"] + ([] if discrete else ["pca_mse"])
    if "posterior" in capabilities:
        names += ["elbo", "iw_nll", "active_units"]
    if discrete:
        names += ["perplexity", "codebook_usage"]
    if classifier is None and _generates_classifier_images(model):
        try:
            classifier = generative.default_mnist_classifier()
        except ValueError:
            classifier = None
    if classifier is not None and _generates_classifier_images(model):
        names.append("fid")
    metrics = evaluate(model, data, metrics=names, k=k, classifier=classifier)
    if discrete:
        codes_per_image = int(np.prod(model.latent_shape()[:-1]))
        metrics["latent_dim"] = int(model.latent_shape()[-1])
        metrics["bits_per_image"] = codebook.bits_per_image(codes_per_image,
                                                            int(model.num_embeddings))
    else:
        metrics["ratio_to_pca"] = metrics["mse"] / metrics["pca_mse"]
    if "elbo" in metrics:
        metrics["neg_elbo"] = -metrics.pop("elbo")
    metrics.update(carried_metrics(model, x_test))
    return metrics
