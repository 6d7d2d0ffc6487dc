"""Evaluation (DESIGN §8): metrics by family, and the suite that picks what applies.

One module per family — `reconstruction` (squared error, PSNR, BCE, the PCA
baseline), `likelihood` (-ELBO, IW-NLL, KL, active units), `codebook`
(perplexity, usage, bits), `generative` (MNIST-classifier FID, precision/recall),
`representation` (linear probes, code sparsity, Jacobian norm), `anomaly`
(AUROC, AUPRC) — and `suite` (`evaluate`, `measure`), which reads what a
model declares (`zoo.models.capabilities_of`, `model.carried_metrics`).
`figures` draws the PNGs. Every public metric is importable from here.

Libraries do what they give: scikit-learn (AUROC, AUPRC, PCA, logistic
regression), SciPy (matrix square root for the Fréchet distance) and TFP
(log-probabilities for the ELBO and the importance-weighted NLL).

Example:
>>> from zoo import evaluation
>>> x_test, _ = zoo.datasets.load("mnist5k", "test")
>>> evaluation.mean_squared_error(x_test, evaluation.reconstructions(model, x_test))
0.0123
>>> evaluation.evaluate(model, "mnist5k")["pca_mse"]
"""

from zoo.evaluation.anomaly import (
    anomaly_auprc,
    anomaly_auroc,
    anomaly_scores,
)
from zoo.evaluation.codebook import (
    bits_per_image,
    codebook_perplexity,
    codebook_usage,
)
from zoo.evaluation.common import (
    codes,
    latent_size,
    reconstructions,
)
from zoo.evaluation.generative import (
    default_mnist_classifier,
    feature_statistics,
    frechet_distance,
    mnist_classifier_fid,
    mnist_classifier_precision_recall,
    precision_recall,
)
from zoo.evaluation.likelihood import (
    ACTIVE_UNIT_THRESHOLD,
    active_unit_mask,
    active_units,
    is_variational,
    iw_nll,
    kl_per_dimension,
    negative_elbo,
    posterior_means,
)
from zoo.evaluation.reconstruction import (
    binary_cross_entropy_per_example,
    denoising_psnr,
    denoising_psnr_gain,
    mean_squared_error,
    pca_codes,
    pca_mean_squared_error,
    pca_reconstructions,
    psnr,
    squared_error_per_example,
)
from zoo.evaluation.representation import (
    code_sparsity,
    jacobian_norm,
    linear_probe_accuracy,
)
from zoo.evaluation.suite import (
    CARD_IW_SAMPLES,
    CARRIED,
    METRICS,
    applicable_metrics,
    carried_metrics,
    check_metric_names,
    dataset_arrays,
    evaluate,
    measure,
)

__all__ = [
    "ACTIVE_UNIT_THRESHOLD",
    "CARD_IW_SAMPLES",
    "CARRIED",
    "METRICS",
    "active_unit_mask",
    "active_units",
    "anomaly_auprc",
    "anomaly_auroc",
    "anomaly_scores",
    "applicable_metrics",
    "binary_cross_entropy_per_example",
    "bits_per_image",
    "carried_metrics",
    "check_metric_names",
    "code_sparsity",
    "codebook_perplexity",
    "codebook_usage",
    "codes",
    "dataset_arrays",
    "default_mnist_classifier",
    "denoising_psnr",
    "denoising_psnr_gain",
    "evaluate",
    "feature_statistics",
    "frechet_distance",
    "is_variational",
    "iw_nll",
    "jacobian_norm",
    "kl_per_dimension",
    "latent_size",
    "linear_probe_accuracy",
    "mean_squared_error",
    "measure",
    "mnist_classifier_fid",
    "mnist_classifier_precision_recall",
    "precision_recall",
    "negative_elbo",
    "pca_codes",
    "pca_mean_squared_error",
    "pca_reconstructions",
    "posterior_means",
    "psnr",
    "reconstructions",
    "squared_error_per_example",
]
