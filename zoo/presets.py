"""Pretrained presets: `saved_models/manifest.json`, sha256 checks, safe loading.

Every preset is a `.keras` file trained by an `aezoo train ... --preset NAME`
recipe on an embedded dataset, with metrics measured on its test split by
`measure` (never typed by hand). `load` verifies the file's sha256 against the
manifest before deserializing it, and deserializes with `safe_mode=True`.

Example:
>>> import zoo
>>> zoo.list_presets()
['ae_conv_mnist', 'ae_mlp_mnist', ...]
>>> m = zoo.load("ae_conv_mnist")
>>> zoo.preset_info("ae_conv_mnist")["metrics"]["test_mse_per_pixel"]
"""

import datetime
import hashlib
import json
import os
import zipfile

MANIFEST_NAME = "manifest.json"
MODEL_FILE = "model.keras"
CARD_FILE = "card.md"
FIGURE_FILE = "figure.png"
MAX_FILE_BYTES = 5_000_000
# Importance samples for the VAE likelihood bound (DESIGN §8 asks k >= 500).
IW_SAMPLES = 500
_CHUNK = 1 << 20


def saved_models_dir():
    """Returns the folder holding `manifest.json`: `$AEZOO_SAVED_MODELS` or the repo's."""
    default = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "saved_models")
    return os.environ.get("AEZOO_SAVED_MODELS", default)


def sha256_file(path):
    """Returns the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(root=None):
    """Returns the manifest dict `{"presets": {name: entry}}`; empty if there is none."""
    path = os.path.join(root or saved_models_dir(), MANIFEST_NAME)
    if not os.path.exists(path):
        return {"format": 1, "presets": {}}
    with open(path) as f:
        try:
            manifest = json.load(f)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON ({error}): restore the presets "
                             "manifest.") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("presets"), dict):
        raise ValueError(f"{path} lists no presets: expected {{\"presets\": {{name: entry}}}}. "
                         f"Received: {type(manifest).__name__}")
    return manifest


def list_presets():
    """Returns the sorted names of the presets in `saved_models/manifest.json`.

    Example:
    >>> zoo.list_presets()
    ['ae_conv_mnist', 'ae_mlp_mnist', 'vae_conv_mnist', 'vae_mlp_mnist']
    """
    return sorted(read_manifest()["presets"])


def _unknown(name):
    return ValueError(
        f"Unknown preset. Expected one of {list_presets()} or a path to a .keras file. "
        f"Received: {name!r}"
    )


def preset_info(name):
    """Returns a preset's manifest entry: data, recipe and measured metrics.

    Args:
        name: str. A name from `list_presets()`.

    Returns:
        A dict with `file`, `sha256`, `variant`, `backbone`, `input_shape`,
        `dataset`, `split`, `preprocessing`, `recipe` (the `aezoo train`
        command line), `metrics` (measured on the test split) and `card`.

    Example:
    >>> zoo.preset_info("vae_conv_mnist")["metrics"]["test_iw_nll"]
    """
    presets = read_manifest()["presets"]
    if not isinstance(name, str) or name not in presets:
        raise _unknown(name)
    return {"name": name, **json.loads(json.dumps(presets[name]))}


def _deserialize(path):
    from zoo import quiet

    quiet.import_tensorflow()
    import keras

    from zoo import registry

    registry.list_models()  # registers every variant class before deserializing
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path} is not a valid .keras file: not a zip archive (truncated, "
                         "empty or another format).")
    try:
        return keras.models.load_model(path, compile=False, safe_mode=True)
    except ValueError as error:
        text = str(error)
        if "unsafe" in text or "safe_mode" in text or "Lambda" in text:
            raise ValueError(
                f"Refusing to load {path}: it needs unsafe deserialization (e.g. a Lambda "
                "layer holding Python code), and aezoo loads with safe_mode=True only."
            ) from None
        if "could not be loaded" in text:
            details = " ".join(line.strip() for line in text.splitlines()[1:] if line.strip())
            raise ValueError(
                f"Cannot load {path}: its saved state no longer matches the aezoo code (the "
                f"model class changed since it was saved; retrain it with its recipe). "
                f"Details: {details}"
            ) from None
        raise ValueError(f"{path} is not a valid .keras file: {_first_line(error)}") from None
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as error:
        # Keras reads the archive lazily: a damaged entry surfaces as a zip or h5 error.
        raise ValueError(f"{path} is not a valid .keras file (corrupt archive): "
                         f"{_first_line(error)}") from None


def _first_line(error):
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def load(name_or_path, verify=True):
    """Loads a preset by name (offline, sha256-verified) or a `.keras` file by path.

    The file's sha256 is compared with the manifest before anything is
    deserialized, and deserialization runs with `safe_mode=True`, so a file
    that needs arbitrary Python code (a `Lambda` layer) is refused.

    Args:
        name_or_path: str. A name from `list_presets()`, or the path of a
            `.keras` file (loaded with `safe_mode=True`; no checksum to check).
        verify: bool. Check the preset's sha256 first. Defaults to `True`.

    Returns:
        The model (uncompiled; `compile` it to fine-tune).

    Example:
    >>> m = zoo.load("ae_conv_mnist")
    >>> x, _ = zoo.datasets.load("mnist5k", "test")
    >>> m.reconstruct(x[:8]).shape
    TensorShape([8, 28, 28, 1])
    """
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(f"load expects a preset name or a path. Received: {name_or_path!r}")
    root = saved_models_dir()
    presets = read_manifest(root)["presets"]
    name = os.fspath(name_or_path)
    if name in presets:
        entry = presets[name]
        path = os.path.join(root, entry["file"])
        if not os.path.exists(path):
            raise FileNotFoundError(f"Preset {name!r} is listed but its file is missing: {path}")
        if verify:
            actual = sha256_file(path)
            if actual != entry["sha256"]:
                raise ValueError(
                    f"Refusing to load {path}: its sha256 differs from the manifest "
                    f"(expected {entry['sha256']}, received {actual}). The file is corrupt "
                    "or was modified."
                )
        return _deserialize(path)
    if name.endswith(".keras") or os.path.sep in name:
        if not os.path.isfile(name):
            raise FileNotFoundError(f"No such .keras file: {name}")
        return _deserialize(name)
    raise _unknown(name)


# ------------------------------------------------------------ measuring


def task_of(variant, dataset):
    """Returns what a preset is measured on: `classifier`, `anomaly`, `vae` or `reconstruction`."""
    if variant == "classifier":
        return "classifier"
    if dataset.startswith("ecg"):
        return "anomaly"
    if variant == "vae":
        return "vae"
    return "reconstruction"


def prepare(x, preprocessing):
    """Applies a preset's preprocessing (`"none"` or `"binarize"`) to data."""
    from zoo import datasets

    if preprocessing == "binarize":
        return datasets.binarize(x)
    if preprocessing not in (None, "none"):
        raise ValueError(
            f"`preprocessing` must be 'none' or 'binarize'. Received: {preprocessing!r}"
        )
    return x


def _batched(fn, x, batch_size=500):
    import numpy as np

    return np.concatenate([np.asarray(fn(x[i:i + batch_size]))
                           for i in range(0, len(x), batch_size)])


def _fid_classifier():
    """The shipped `mnist_classifier` preset, or None before it exists."""
    if "mnist_classifier" not in list_presets():
        return None
    return load("mnist_classifier")


def measure(model, variant, dataset, preprocessing="none"):
    """Measures a model on its dataset's test split with `zoo.evaluation`.

    Deterministic autoencoders get MSE, PSNR, the PCA baseline at the same
    latent size (and its ratio) and a linear probe; VAEs add -ELBO, the
    importance-weighted NLL with `IW_SAMPLES` samples, active units and the
    MNIST-classifier FID of 1,000 samples; VQ-VAEs add codebook perplexity
    and usage; denoising AEs the PSNR gain on a seeded corrupted test set;
    ECG detectors AUROC/AUPRC of `score` with the PCA AUROC; the classifier
    its accuracy.

    Args:
        model: the trained model.
        variant: str. Variant name, or `"classifier"`.
        dataset: str. Embedded dataset name.
        preprocessing: str. `"none"` or `"binarize"`. Defaults to `"none"`.

    Returns:
        `(task, metrics)`: the task name (see `task_of`) and a dict.

    Example:
    >>> presets.measure(zoo.load("ae_conv_mnist"), "ae", "mnist5k")
    ('reconstruction', {'mse': 0.0113, 'pca_mse': 0.0270, 'ratio_to_pca': 0.42, ...})
    """
    import numpy as np

    from zoo import classifier as mnist_classifier
    from zoo import datasets, evaluation

    task = task_of(variant, dataset)
    x_train, y_train = datasets.load(dataset, "train")
    x_test, y_test = datasets.load(dataset, "test")
    x_train, x_test = prepare(x_train, preprocessing), prepare(x_test, preprocessing)
    data = (x_train, y_train, x_test, y_test)
    if task == "classifier":
        return task, {"accuracy": mnist_classifier.classifier_accuracy(model, x_test, y_test)}
    if task == "anomaly":
        metrics = evaluation.evaluate(model, data, metrics=["mse", "auroc", "auprc"])
        pca = evaluation.pca_reconstructions(x_train, x_test, model.latent_dim)
        pca_scores = evaluation.squared_error_per_example(x_test, pca)
        metrics["pca_auroc"] = evaluation.anomaly_auroc(pca_scores, y_test)
        metrics["anomalous_windows"] = int(np.sum(y_test))
        return task, metrics
    # PCA "at the same latent size" has no meaning for discrete codes: a VQ-VAE is
    # compared by its bits per image instead (and, on the card, with ae_conv_mnist).
    discrete = hasattr(model, "codes")
    names = ["mse", "psnr", "linear_probe_accuracy"] + ([] if discrete else ["pca_mse"])
    classifier = None
    if evaluation.is_variational(model):
        names += ["elbo", "iw_nll", "active_units"]
    if hasattr(model, "codes"):
        names += ["perplexity", "codebook_usage"]
    if hasattr(model, "sample") and tuple(model.data_shape) == mnist_classifier.INPUT_SHAPE:
        classifier = _fid_classifier()
        if classifier is not None:
            names.append("fid")
    metrics = evaluation.evaluate(model, data, metrics=names, k=IW_SAMPLES,
                                  classifier=classifier)
    if discrete:
        codes_per_image = int(np.prod(model.latent_shape()[:-1]))
        metrics["latent_dim"] = int(model.latent_shape()[-1])
        metrics["bits_per_image"] = evaluation.bits_per_image(codes_per_image,
                                                              int(model.num_embeddings))
    else:
        metrics["ratio_to_pca"] = metrics["mse"] / metrics["pca_mse"]
    if "elbo" in metrics:
        metrics["neg_elbo"] = -metrics.pop("elbo")
    if variant == "sparse_ae":
        codes = _batched(model.encode, x_test)
        metrics["code_zero_fraction"] = float(np.mean(np.abs(codes) < 1e-6))
        metrics["mean_active_codes"] = float(np.mean(np.sum(np.abs(codes) >= 1e-6, axis=1)))
    if variant == "contractive_ae":
        metrics["jacobian_norm"] = float(np.mean(_batched(model.jacobian_norm, x_test, 100)))
    if variant == "denoising_ae" and hasattr(datasets, "corrupt"):
        noisy = datasets.corrupt(x_test, model.corruption, model.noise_level, seed=0)
        denoised = _batched(model.reconstruct, noisy)
        metrics.update(evaluation.denoising_psnr_gain(x_test, noisy, denoised))
    return task, metrics


# ------------------------------------------------------------ writing


def _figure(path, model, task, x_test, y_test, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    n = 10
    if task == "anomaly":
        scores = _batched(model.score, x_test)
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
    elif task == "classifier":
        probabilities = np.asarray(model(x_test[:n], training=False))
        fig, axes = plt.subplots(1, n, figsize=(n, 1.4))
        for i in range(n):
            axes[i].imshow(x_test[i, ..., 0], cmap="gray", vmin=0, vmax=1)
            axes[i].set_title(f"{probabilities[i].argmax()} (true {y_test[i]})", fontsize=7)
            axes[i].axis("off")
    else:
        rows = [("test input", x_test[:n]), ("reconstruction", np.asarray(model.reconstruct(
            x_test[:n])))]
        if hasattr(model, "sample"):
            try:
                rows.append(("samples", np.asarray(model.sample(2 * n, seed=0))[:n]))
                rows.append(("", np.asarray(model.sample(2 * n, seed=0))[n:]))
            except (NotImplementedError, ValueError):
                pass
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


def _format(value):
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


def _card(name, entry, description):
    lines = [f"# {name}", "", description, "",
             "```python", "import zoo", f'model = zoo.load("{name}")', "```", "",
             "| field | value |", "|---|---|"]
    for key in ("variant", "backbone", "input_shape", "latent_dim", "dataset",
                "preprocessing", "parameters", "sha256", "trained_at"):
        lines.append(f"| {key} | `{entry[key]}` |")
    lines.append("| splits | trained on `train`, measured on `test` |")
    lines += ["", "## Recipe", "", "```", entry["recipe"], "```", "",
              f"## Metrics ({entry['dataset']}, test split, measured by `zoo.presets.measure`)",
              "", "| metric | value | meaning |", "|---|---|---|"]
    for key, value in entry["metrics"].items():
        lines.append(f"| {key} | {_format(value)} | {_METRIC_NOTES.get(key, '')} |")
    lines += ["", f"![{name}]({FIGURE_FILE})", ""]
    return "\n".join(lines)


def _description(variant, backbone, dataset):
    if variant == "classifier":
        return (f"The project's small Keras CNN (`zoo.classifier`) classifying {dataset} "
                "digits. Its penultimate layer (`features`) defines the MNIST-classifier FID of "
                "`zoo.evaluation`; this is not Inception FID.")
    return f"A `{variant}` on the `{backbone}` backbone, trained on `{dataset}`."


def uncompiled_copy(model):
    """Returns a copy of `model` with the same weights and no optimizer state."""
    # `keras.models.clone_model` would compile the copy again (optimizer included).
    clone = type(model).from_config(model.get_config())
    clone.set_weights(model.get_weights())
    return clone


def save_preset(name, model, variant, backbone, dataset, recipe, preprocessing="none",
                latent_dim=None, root=None):
    """Measures `model` and writes `saved_models/<name>/` plus its manifest entry.

    Writes `model.keras` (weights without optimizer state), `figure.png` and
    `card.md` into a temporary folder that replaces `<name>/` at the end, then
    rewrites `manifest.json` atomically.

    Args:
        name: str. Preset name (letters, digits, `_`).
        model: the trained model.
        variant: str. Variant name or `"classifier"`.
        backbone: str. Backbone name (`"cnn"` for the classifier).
        dataset: str. Embedded dataset the model was trained on.
        recipe: str. The `aezoo train ...` command line that reproduces it.
        preprocessing: str. `"none"` or `"binarize"`. Defaults to `"none"`.
        latent_dim: int or None. Latent size (PCA baseline components).
        root: str or None. Folder of `manifest.json`. Defaults to
            `saved_models_dir()`.

    Returns:
        The manifest entry (a dict).
    """
    import re

    from zoo import atomic, datasets

    if not re.fullmatch(r"[a-z0-9_]+", name or ""):
        raise ValueError(f"Preset names use lowercase letters, digits and '_'. Received: {name!r}")
    root = root or saved_models_dir()
    task, metrics = measure(model, variant, dataset, preprocessing)
    x_test, y_test = datasets.load(dataset, "test")
    x_test = prepare(x_test, preprocessing)
    model_file = f"{name}/{MODEL_FILE}"
    entry = {
        "file": model_file,
        "sha256": None,
        "bytes": None,
        "variant": variant,
        "backbone": backbone,
        "input_shape": list(x_test.shape[1:]),
        "latent_dim": latent_dim,
        "task": task,
        "dataset": dataset,
        "split": {"train": "train", "metrics": "test"},
        "preprocessing": preprocessing or "none",
        "parameters": int(model.count_params()),
        "recipe": recipe,
        "metrics": metrics,
        "card": f"{name}/{CARD_FILE}",
        "figure": f"{name}/{FIGURE_FILE}",
        "trained_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    with atomic.atomic_directory(os.path.join(root, name), overwrite=True) as tmp:
        os.chmod(tmp, 0o755)  # mkdtemp makes it private
        path = os.path.join(tmp, MODEL_FILE)
        uncompiled_copy(model).save(path)
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise ValueError(f"Preset files must stay under {MAX_FILE_BYTES} bytes. "
                             f"Received: {name} of {size} bytes")
        entry["sha256"] = sha256_file(path)
        entry["bytes"] = size
        _figure(os.path.join(tmp, FIGURE_FILE), model, task, x_test, y_test, name)
        with open(os.path.join(tmp, CARD_FILE), "w") as f:
            f.write(_card(name, entry, _description(variant, backbone, dataset)))
    update_manifest(name, entry, root)
    return entry


def update_manifest(name, entry, root=None):
    """Sets one preset's entry in `manifest.json`: locked read-modify-write, atomic replace.

    Args:
        name: str. Preset name.
        entry: dict or None. The entry; None removes the preset.
        root: str or None. Folder of `manifest.json`. Defaults to `saved_models_dir()`.
    """
    import fcntl

    from zoo import atomic

    root = root or saved_models_dir()
    os.makedirs(root, exist_ok=True)
    # Two trainings finishing together must not drop each other's entry.
    import tempfile

    key = hashlib.sha256(os.path.abspath(root).encode()).hexdigest()[:16]
    with open(os.path.join(tempfile.gettempdir(), f"aezoo-manifest-{key}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = read_manifest(root)
        if entry is None:
            manifest["presets"].pop(name, None)
        else:
            manifest["presets"][name] = entry
        manifest["presets"] = dict(sorted(manifest["presets"].items()))
        with atomic.atomic_file(os.path.join(root, MANIFEST_NAME), suffix=".json") as tmp:
            with open(tmp, "w") as f:
                json.dump(manifest, f, indent=2)
                f.write("\n")
