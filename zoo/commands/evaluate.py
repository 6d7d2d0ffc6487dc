"""`aezoo evaluate`: the metrics of DESIGN §8 for a preset or a `.keras` file."""

import json
import os

DESCRIPTIONS = {
    "mse": "test MSE per pixel",
    "psnr": "PSNR (dB)",
    "pca_mse": "PCA test MSE per pixel, same latent size",
    "linear_probe_accuracy": "logistic regression on codes, test accuracy",
    "elbo": "ELBO (nats per example, 1 sample)",
    "iw_nll": "importance-weighted NLL (nats per example)",
    "active_units": "active latent units (Cov_x E_q[z] > 0.01)",
    "kl_per_dim": "KL per latent dimension, min..max (nats)",
    "fid": "Fréchet distance, MNIST-classifier features",
    "perplexity": "codebook perplexity",
    "codebook_usage": "fraction of codes used",
    "auroc": "anomaly AUROC of score",
    "auprc": "anomaly AUPRC of score",
}


def load_model(preset_or_path):
    """Returns a model from a preset name or a `.keras` path (`zoo.hub.load`, safe mode)."""
    from zoo import hub

    return hub.load(preset_or_path)


def check_autoencoder(model, source, command):
    """Raises TypeError unless `model` is an aezoo Autoencoder (not, e.g., a plain Keras model)."""
    from zoo.models.base import Autoencoder

    if not isinstance(model, Autoencoder):
        raise TypeError(f"aezoo {command} expects an aezoo Autoencoder (zoo.build, zoo.load). "
                        f"Received: a {type(model).__name__} model from {source}")


def preset_defaults(preset_or_path):
    """Returns `(dataset, preprocessing)` recorded for a preset, or `(None, "none")`."""
    from zoo import hub

    try:
        info = hub.preset_info(preset_or_path)
    except ValueError:
        return None, "none"
    return info.get("dataset"), info.get("preprocessing", "none")


def evaluation_data(name, preprocessing="none"):
    """Returns `(x_train, y_train, x_test, y_test)` of an embedded dataset."""
    from zoo import datasets

    if name not in datasets.list_datasets():
        raise ValueError(f"Unknown dataset. Expected one of {datasets.list_datasets()}. "
                         f"Received: --data {name!r}")
    if preprocessing not in ("none", "binarize"):
        raise ValueError(f"--preprocessing must be 'none' or 'binarize'. "
                         f"Received: {preprocessing!r}")
    arrays = (*datasets.load(name, "train"), *datasets.load(name, "test"))
    if preprocessing == "binarize":
        arrays = (datasets.binarize(arrays[0]), arrays[1], datasets.binarize(arrays[2]), arrays[3])
    return arrays


def formatted(value):
    """Returns a metric value as short text."""
    if isinstance(value, list):  # per-dimension values: the JSON holds the full list
        return f"{min(value):.2f}..{max(value):.2f}"
    if isinstance(value, int):
        return str(value)
    return f"{value:.4g}"


def table(results):
    """Returns the results as aligned text rows: name, value, meaning."""
    rows = [(name, formatted(results[name]), DESCRIPTIONS[name])
            for name in DESCRIPTIONS if name in results]
    width = max(len(name) for name, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    return "\n".join(f"  {name:<{width}}  {value:>{value_width}}  {meaning}"
                     for name, value, meaning in rows)


def run(args):
    from zoo import atomic, quiet

    quiet.import_tensorflow()
    from zoo import evaluation

    metrics = evaluation.check_metric_names(args.metrics.split(",")) if args.metrics else None
    target = atomic.check_writable_target(args.json, overwrite=True) if args.json else None
    if not (args.model.endswith(".keras") or os.path.sep in args.model):
        from zoo import hub

        hub.preset_info(args.model)  # an unknown name lists the presets
    default_data, default_preprocessing = preset_defaults(args.model)
    data_name = args.data or default_data
    if data_name is None:
        raise ValueError(f"--data is needed for a model file. Received: {args.model!r} "
                         "without --data")
    data = evaluation_data(data_name, args.preprocessing or default_preprocessing)
    model = load_model(args.model)
    check_autoencoder(model, args.model, "evaluate")
    print(f"evaluating {args.model} on {data_name} test ({len(data[2])} examples)", flush=True)
    results = evaluation.evaluate(model, data, metrics=metrics, k=args.k,
                                  n_samples=args.samples, seed=args.seed)
    print(table(results))
    if target:
        report = {"model": args.model, "data": data_name, **results}
        with atomic.atomic_file(target, overwrite=True, suffix=".json") as tmp:
            with open(tmp, "w") as f:
                json.dump(report, f, indent=2)
        print(f"wrote {target}")
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser("evaluate", help="measure a preset or .keras model on a dataset")
    p.add_argument("model", metavar="PRESET_OR_PATH", help="preset name or .keras file")
    p.add_argument("--data", default=None,
                   help="embedded dataset (default: the preset's own dataset)")
    p.add_argument("--json", default=None, metavar="FILE", help="also write the results as JSON")
    p.add_argument("--metrics", default=None,
                   help="comma-separated subset of: " + ", ".join(DESCRIPTIONS))
    p.add_argument("--k", type=int, default=100, help="importance samples for iw_nll (100)")
    p.add_argument("--samples", type=int, default=1000, help="generated images for fid (1000)")
    p.add_argument("--preprocessing", default=None, choices=("none", "binarize"),
                   help="data preprocessing (default: the preset's own, else none)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=run)
