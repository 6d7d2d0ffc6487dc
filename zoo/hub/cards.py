"""Preset cards: the markdown card and the figure, chosen by what the model can do.

Example:
>>> from zoo.hub import cards
>>> print(cards.card_text("ae_conv_mnist", zoo.preset_info("ae_conv_mnist"), "A conv AE."))
"""

import numpy as np

from zoo import datasets, models
from zoo.evaluation.common import batched
from zoo.hub.manifest import FIGURE_FILE


def figure_kind(model, dataset):
    """Returns which card figure fits: `"predictions"`, `"anomaly"` or `"reconstruction"`."""
    if models.has_capability(model, "classifies"):
        return "predictions"
    if datasets.dataset_spec(dataset).labels == "anomaly":
        return "anomaly"
    return "reconstruction"


def draw_figure(path, model, kind, x_test, y_test, title):
    """Writes a card's PNG figure of `kind` (see `figure_kind`) to `path`."""
    from zoo.evaluation.figures import pyplot

    plt = pyplot()
    n = 10
    if kind == "anomaly":
        scores = batched(model.score, x_test, 500)
        picks = [int(np.argmax(np.where(y_test == 1, scores, -np.inf))),
                 int(np.argmin(np.where(y_test == 0, scores, np.inf)))]
        reconstructions = np.asarray(model.reconstruct(x_test[picks]))
        fig, axes = plt.subplots(3, 1, figsize=(8, 6))
        for ax, i, recon, label in zip(axes[:2], picks, reconstructions,
                                       ("abnormal window", "normal window"), strict=True):
            ax.plot(x_test[i, :, 0], label="input")
            ax.plot(recon[:, 0], label="reconstruction")
            ax.set_title(f"{label} (score {scores[i]:.2f})", fontsize=9)
            ax.legend(fontsize=7)
        axes[2].plot(scores, lw=0.8, label="score")
        axes[2].fill_between(np.arange(len(y_test)), 0, y_test * scores.max(), color="red",
                             alpha=0.2, label="labelled abnormal")
        axes[2].set_title("anomaly score over test windows", fontsize=9)
        axes[2].legend(fontsize=7)
    elif kind == "predictions":
        probabilities = np.asarray(model(x_test[:n], training=False))
        fig, axes = plt.subplots(1, n, figsize=(n, 1.4))
        for i in range(n):
            axes[i].imshow(x_test[i, ..., 0], cmap="gray", vmin=0, vmax=1)
            axes[i].set_title(f"{probabilities[i].argmax()} (true {y_test[i]})", fontsize=7)
            axes[i].axis("off")
    else:
        rows = [("test input", x_test[:n]), ("reconstruction", np.asarray(model.reconstruct(
            x_test[:n])))]
        if models.has_capability(model, "samples"):
            samples = np.asarray(model.sample(2 * n, seed=0))
            rows += [("samples", samples[:n]), ("", samples[n:])]
        fig, axes = plt.subplots(len(rows), n, figsize=(n, 1.1 * len(rows)))
        for r, (label, images) in enumerate(rows):
            for i in range(n):
                axes[r, i].imshow(np.clip(images[i, ..., 0], 0, 1), cmap="gray", vmin=0, vmax=1)
                axes[r, i].axis("off")
            if label:
                axes[r, 0].set_title(label, fontsize=8, loc="left")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _formatted(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


_METRIC_NOTES = {
    "mse": "mean squared error per pixel of `reconstruct` on the test split",
    "psnr": "PSNR of the reconstructions, dB",
    "pca_mse": "same, PCA with as many components as the latent size (fit on train)",
    "ratio_to_pca": "model MSE / PCA MSE (lower is better)",
    "linear_probe_accuracy": "logistic regression on `encode` codes, train -> test",
    "neg_elbo": "-ELBO per example, nats (one posterior sample)",
    "iw_nll": "importance-weighted NLL bound per example, nats",
    "k": "importance samples per example for `iw_nll`",
    "active_units": "latent dimensions with Cov_x(E_q[z]) > 0.01",
    "fid": "MNIST-classifier FID of 1,000 samples vs the test split (not Inception FID)",
    "precision": "samples inside the test set's k=3 feature manifold (Kynkaanniemi 2019)",
    "recall": "test images inside the samples' k=3 feature manifold (Kynkaanniemi 2019)",
    "perplexity": "codebook perplexity of the test codes",
    "codebook_usage": "fraction of codes used on the test split",
    "auroc": "AUROC of `score` against the window labels",
    "auprc": "average precision of `score`",
    "pca_auroc": "AUROC of the PCA reconstruction error, same latent size",
    "anomalous_windows": "test windows labelled abnormal",
    "accuracy": "top-1 accuracy on the test split",
    "noisy_psnr": "PSNR of the seeded corrupted test input against clean test",
    "denoised_psnr": "PSNR of `reconstruct(corrupted test)` against clean test",
    "psnr_gain": "denoised_psnr - noisy_psnr, dB",
    "n_test": "test examples measured",
    "bits_per_image": "bits of the code grid per image: positions x log2(codebook size)",
    "code_zero_fraction": "fraction of code entries that are exactly zero (ReLU + L1)",
    "mean_active_codes": "non-zero code entries per test example",
    "jacobian_norm": "mean squared Frobenius norm of the encoder Jacobian, test split",
    "latent_dim": "latent size (code vector size for a VQ-VAE)",
}


def card_text(name, entry, description):
    lines = [f"# {name}", "", description, "",
             "```python", "import zoo", f'model = zoo.load("{name}")', "```", "",
             "| field | value |", "|---|---|"]
    for key in ("variant", "backbone", "input_shape", "latent_dim", "dataset",
                "preprocessing", "parameters", "sha256", "trained_at"):
        lines.append(f"| {key} | `{entry[key]}` |")
    if entry.get("prior"):
        lines.append(f"| prior (what `sample` draws through) | `{entry['prior']}` |")
    lines.append("| splits | trained on `train`, measured on `test` |")
    lines += ["", "## Recipe", "", "```", entry["recipe"], "```", "",
              f"## Metrics ({entry['dataset']}, test split, measured by "
              "`zoo.evaluation.measure`)",
              "", "| metric | value | meaning |", "|---|---|---|"]
    for key, value in entry["metrics"].items():
        lines.append(f"| {key} | {_formatted(value)} | {_METRIC_NOTES.get(key, '')} |")
    lines += ["", f"![{name}]({FIGURE_FILE})", ""]
    return "\n".join(lines)


def description(model, variant, backbone, dataset):
    """Returns the card's first paragraph."""
    if models.has_capability(model, "classifies"):
        return (f"The project's small Keras CNN (`zoo.models.classifier`) classifying {dataset} "
                "digits. Its penultimate layer (`features`) defines the MNIST-classifier FID of "
                "`zoo.evaluation`; this is not Inception FID.")
    return f"An autoencoder of variant `{variant}` on the `{backbone}` backbone, trained on " \
           f"`{dataset}`."


def preview_examples(model, input_shape, data):
    """`(x, caption)`: up to 10 examples to draw, from `data`, an embedded dataset or a seed."""
    if data is not None:
        x = np.asarray(data, dtype="float32")[:10]
        if x.shape[1:] != tuple(input_shape) or not len(x):
            expected = ", ".join(str(d) for d in input_shape)
            raise ValueError(f"save_preset: `data` must have shape (n, {expected}). "
                             f"Received: data.shape={np.shape(data)}")
        return x, "given data"
    for name in datasets.list_datasets():
        x, _ = datasets.load(name, split="test")
        if x.shape[1:] == tuple(input_shape):
            return x[:10], f"{name} test split"
    rng = np.random.default_rng(0)
    return rng.random((10, *input_shape), dtype=np.float32), "seeded uniform noise (no data)"


def draw_preview(path, model, input_shape, data, title):
    """Writes a preset folder's figure: inputs over reconstructions (or predicted classes)."""
    from zoo.evaluation.figures import pyplot

    plt = pyplot()

    x, caption = preview_examples(model, input_shape, data)
    autoencoder = callable(getattr(model, "reconstruct", None))
    outputs = np.asarray(model.reconstruct(x) if autoencoder else model(x, training=False))
    n = len(x)
    if len(input_shape) == 3:  # images: inputs over reconstructions (or predicted classes)
        rows = 2 if autoencoder else 1
        fig, axes = plt.subplots(rows, n, figsize=(n, 1.2 * rows), squeeze=False)
        for i in range(n):
            axes[0, i].imshow(np.clip(x[i, ..., 0], 0, 1), cmap="gray", vmin=0, vmax=1)
            axes[0, i].axis("off")
            if autoencoder:
                axes[1, i].imshow(np.clip(outputs[i, ..., 0], 0, 1), cmap="gray", vmin=0,
                                  vmax=1)
                axes[1, i].axis("off")
            else:
                axes[0, i].set_title(str(int(np.argmax(outputs[i]))), fontsize=7)
        axes[0, 0].set_title("input" if autoencoder else axes[0, 0].get_title(), fontsize=7,
                             loc="left")
        if autoencoder:
            axes[1, 0].set_title("reconstruction", fontsize=7, loc="left")
    else:  # sequences and vectors: three examples as lines
        fig, axes = plt.subplots(3, 1, figsize=(8, 5), squeeze=False)
        for row in range(3):
            ax = axes[row, 0]
            ax.plot(x[row].reshape(len(x[row]), -1)[:, 0], label="input")
            if autoencoder:
                ax.plot(outputs[row].reshape(len(outputs[row]), -1)[:, 0],
                        label="reconstruction")
            ax.legend(fontsize=7)
    fig.suptitle(f"{title} ({caption})", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
