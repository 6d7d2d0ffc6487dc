"""PNG figures (matplotlib, Agg backend): each function writes one file and returns its path.

Images `(n, h, w, c)` are drawn as pictures; sequences `(n, timesteps,
features)` as line plots. Files are written atomically.

Example:
>>> from zoo.evaluation import figures
>>> figures.reconstruction_grid("recon.png", x_test[:10], m.reconstruct(x_test[:10]))
'recon.png'
"""

import os

import numpy as np

from zoo import atomic, checks

# 2-D projections of `latent_map`; UMAP beside PCA and t-SNE.
PROJECTIONS = ("pca", "tsne", "umap")


def pyplot():
    """Returns matplotlib.pyplot on the Agg backend (files only, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path):
    plt = pyplot()
    path = os.fspath(path)
    try:
        with atomic.atomic_file(path, overwrite=True, suffix=".png") as tmp:
            fig.savefig(tmp, format="png", dpi=100)
    finally:
        plt.close(fig)
    return path


def _examples(name, values):
    values = np.asarray(values, dtype=np.float32)
    if values.ndim not in (2, 3, 4) or len(values) == 0:
        raise ValueError(f"`{name}` must be a non-empty batch of images (n, h, w, c) or "
                         f"sequences (n, t, f). Received: {name}.shape={values.shape}")
    return values


def _draw(ax, example):
    if example.ndim == 3:  # (h, w, c) image
        image = example[..., 0] if example.shape[-1] == 1 else np.clip(example, 0, 1)
        ax.imshow(image, cmap="gray", vmin=0, vmax=1)
        ax.axis("off")
    else:  # (t, f) sequence or (f,) vector
        ax.plot(example.reshape(len(example), -1), linewidth=0.8)
        ax.set_xticks([])
        ax.set_yticks([])


def reconstruction_grid(path, x, reconstruction, n=10, title=None):
    """Writes inputs (top row) over their reconstructions (bottom row) and returns `path`.

    Args:
        path: str. Output PNG.
        x: array `(n, ...)`. Inputs.
        reconstruction: array of the same shape.
        n: int. Columns (examples shown). Defaults to `10`.
        title: str or None.
    """
    x, reconstruction = _examples("x", x), _examples("reconstruction", reconstruction)
    if x.shape != reconstruction.shape:
        raise ValueError("reconstruction_grid expects `x` and `reconstruction` of one shape. "
                         f"Received: {x.shape} and {reconstruction.shape}")
    n = min(checks.positive_int("n", n), len(x))
    plt = pyplot()
    fig, axes = plt.subplots(2, n, figsize=(max(n, 2), 2.3), squeeze=False)
    for i in range(n):
        _draw(axes[0, i], x[i])
        _draw(axes[1, i], reconstruction[i])
    axes[0, 0].set_title("input", fontsize=8, loc="left")
    axes[1, 0].set_title("reconstruction", fontsize=8, loc="left")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def sample_grid(path, images, columns=8, title=None):
    """Writes a grid of images (e.g. `model.sample(32)`) and returns `path`."""
    images = _examples("images", images)
    columns = min(checks.positive_int("columns", columns), len(images))
    rows = int(np.ceil(len(images) / columns))
    plt = pyplot()
    fig, axes = plt.subplots(rows, columns, figsize=(columns, rows), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        if i < len(images):
            _draw(ax, images[i])
        else:
            ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def projected_codes(codes, method="pca", seed=0):
    """Returns codes `(n, d)` projected to 2-D with PCA, t-SNE or UMAP, shape `(n, 2)`.

    UMAP (`umap-learn`, McInnes et al. 2018) keeps more of the global layout
    than t-SNE; its first call compiles numba kernels (tens of seconds).
    """
    checks.choice("method", method, PROJECTIONS)
    codes = np.asarray(codes, dtype=np.float64).reshape(len(codes), -1)
    if codes.shape[1] <= 2:
        return np.pad(codes, ((0, 0), (0, 2 - codes.shape[1])))
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(2, random_state=seed).fit_transform(codes)
    if method == "umap":
        import umap

        neighbours = int(min(15, len(codes) - 1))
        return umap.UMAP(n_components=2, n_neighbors=neighbours,
                         random_state=seed).fit_transform(codes)
    from sklearn.manifold import TSNE

    perplexity = float(min(30, max(2, (len(codes) - 1) // 3)))
    return TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(codes)


def latent_map(path, codes, labels, methods=("pca", "tsne"), max_points=2000, seed=0,
               title=None):
    """Writes the latent codes projected to 2-D, coloured by label, and returns `path`.

    Args:
        path: str. Output PNG.
        codes: array `(n, latent_dim)`, e.g. `model.encode(x)`.
        labels: int array `(n,)`.
        methods: tuple of `"pca"`, `"tsne"` and/or `"umap"`, one panel each.
        max_points: int. A seeded subset of at most this many points (t-SNE is slow).
        seed: int.
        title: str or None.
    """
    codes = np.asarray(codes).reshape(len(codes), -1)
    labels = np.asarray(labels)
    if len(codes) != len(labels) or len(codes) < 5:
        raise ValueError("latent_map expects at least 5 codes and one label per code. "
                         f"Received: {len(codes)} codes, {len(labels)} labels")
    methods = (methods,) if isinstance(methods, str) else tuple(methods)
    keep = np.random.default_rng(seed).permutation(len(codes))[:max_points]
    plt = pyplot()
    fig, axes = plt.subplots(1, len(methods), figsize=(4.5 * len(methods), 4), squeeze=False)
    for ax, method in zip(axes[0], methods, strict=True):
        points = projected_codes(codes[keep], method, seed)
        scatter = ax.scatter(points[:, 0], points[:, 1], c=labels[keep], cmap="tab10", s=4)
        ax.set_title({"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}[method], fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(scatter, ax=axes[0].tolist(), fraction=0.03)
    if title:
        fig.suptitle(title, fontsize=9)
    return _save(fig, path)


def interpolated_decodings(model, x_a, x_b, steps=10):
    """Returns decodings along the straight line between the codes of two examples.

    Args:
        model: `zoo.models.base.Autoencoder`.
        x_a, x_b: one example each, shape `model.data_shape`.
        steps: int >= 2. Points on the line, ends included.

    Returns:
        array `(steps,) + model.data_shape`.
    """
    steps = checks.positive_int("steps", steps)
    if steps < 2:
        raise ValueError(f"`steps` must be at least 2. Received: steps={steps}")
    pair = np.stack([np.asarray(x_a, np.float32), np.asarray(x_b, np.float32)])
    z = np.asarray(model.encode(pair))
    weights = np.linspace(0.0, 1.0, steps).reshape((steps,) + (1,) * (z.ndim - 1))
    path_codes = (1.0 - weights) * z[0] + weights * z[1]
    return np.asarray(model.decode(path_codes.astype(np.float32)))


def interpolation_strip(path, model, x_a, x_b, steps=10, title=None):
    """Writes the decodings between two examples' codes (see `interpolated_decodings`)."""
    images = interpolated_decodings(model, x_a, x_b, steps)
    return sample_grid(path, images, columns=len(images), title=title)


def training_curves(path, history, title=None):
    """Writes every loss term of a Keras `History` (or its `.history` dict) per epoch.

    Validation curves (`val_` keys) are drawn dashed beside their training
    curves; each term gets its own panel.
    """
    values = getattr(history, "history", history)
    if not isinstance(values, dict) or not values:
        raise ValueError("training_curves expects a keras History or a non-empty dict of "
                         f"lists. Received: {type(history).__name__}")
    terms = sorted({key.removeprefix("val_") for key in values})
    plt = pyplot()
    fig, axes = plt.subplots(1, len(terms), figsize=(3.5 * len(terms), 3), squeeze=False)
    for ax, term in zip(axes[0], terms, strict=True):
        for key, style in ((term, "-"), (f"val_{term}", "--")):
            if key in values:
                epochs = np.arange(1, len(values[key]) + 1)
                ax.plot(epochs, values[key], style, label=key)
        ax.set_xlabel("epoch")
        ax.set_title(term, fontsize=9)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def anomaly_roc(path, scores, labels, title=None):
    """Writes the ROC curve (with AUROC) and the score histograms of normal vs anomalous.

    Args:
        path: str. Output PNG.
        scores: array `(n,)`. Higher = more anomalous, e.g. `model.score(x)`.
        labels: array `(n,)` of 0 (normal) and 1 (anomaly).
        title: str or None.
    """
    from sklearn.metrics import roc_curve

    from zoo import evaluation

    auroc = evaluation.anomaly_auroc(scores, labels)
    scores, labels = np.asarray(scores, np.float64).ravel(), np.asarray(labels).ravel()
    false_positive, true_positive, _ = roc_curve(labels, scores)
    plt = pyplot()
    fig, (roc_ax, hist_ax) = plt.subplots(1, 2, figsize=(8, 3.3))
    roc_ax.plot(false_positive, true_positive, label=f"AUROC {auroc:.3f}")
    roc_ax.plot([0, 1], [0, 1], ":", color="gray")
    roc_ax.set_xlabel("false positive rate")
    roc_ax.set_ylabel("true positive rate")
    roc_ax.legend(fontsize=8, loc="lower right")
    # Reconstruction errors are heavy-tailed: log bins when they span decades.
    logarithmic = scores.min() > 0 and scores.max() / scores.min() > 100
    bins = (np.geomspace(scores.min(), scores.max(), 41) if logarithmic
            else np.histogram_bin_edges(scores, bins=40))
    for value, name in ((0, "normal"), (1, "anomaly")):
        group = scores[labels == value]
        # Fractions within each class, so a rare anomaly class stays visible.
        hist_ax.hist(group, bins=bins, weights=np.full(len(group), 1.0 / len(group)), alpha=0.6,
                     label=f"{name} ({len(group)})")
    if logarithmic:
        hist_ax.set_xscale("log")
    hist_ax.set_xlabel("anomaly score")
    hist_ax.set_ylabel("fraction of class")
    hist_ax.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def latent_size_curve(path, latent_dims, model_errors, pca_errors, label="autoencoder",
                      title=None):
    """Writes test reconstruction error against latent size, beside PCA's curve."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    ax.plot(latent_dims, model_errors, "o-", label=label)
    ax.plot(latent_dims, pca_errors, "s--", label="PCA")
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(latent_dims), [str(d) for d in latent_dims])
    ax.set_xlabel("latent size")
    ax.set_ylabel("test MSE per pixel")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return _save(fig, path)
