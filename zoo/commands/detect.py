"""`aezoo detect`: flag anomalies in a series (or a batch of examples) with an autoencoder.

`aezoo detect MODEL --data series.csv|.npy [--window W] [--contamination C] --out DIR`
fits a `zoo.detectors.AnomalyDetector` on the data (a preset or `.keras`
model only calibrates its threshold; a variant name such as `ae` trains a new
model) and writes into DIR: `scores.csv` (index, score, label), `detection.json`
(threshold, counts, settings; AUROC when the CSV has a `label` column) and
`detection.png` (the series with flagged spans; score histogram with the
threshold).
"""

import os

LABEL_COLUMNS = ("label", "labels", "is_anomaly", "anomaly")


def load_series(path):
    """Returns `(values, labels)`: float64 data and ground-truth labels (or None).

    A `.npy` file holds the array itself; a `.csv` file holds numeric columns
    (with or without a header); a column named `label` (or `is_anomaly`,
    `anomaly`) is taken as ground truth, not as data.
    """
    import numpy as np

    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such data file: {path}")
    if path.endswith(".npy"):
        try:
            values = np.load(path, allow_pickle=False)
        except (OSError, EOFError, ValueError) as error:
            raise ValueError(f"{path} is not a readable .npy file of numbers (truncated or "
                             f"corrupt?): {error}") from None
        if values.dtype.kind not in "biuf":
            raise ValueError(f"{path} must hold numbers. Received: dtype {values.dtype}")
        return values.astype(np.float64), None
    if not path.endswith(".csv"):
        raise ValueError(f"--data expects a .csv or .npy file. Received: {path!r}")
    import pandas as pd

    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not a readable CSV file: {error}") from None
    header_is_data = all(_is_number(c) for c in table.columns)
    if header_is_data:
        table = pd.read_csv(path, header=None)
    labels = None
    label_columns = [c for c in table.columns if str(c).strip().lower() in LABEL_COLUMNS]
    if label_columns:
        labels = (table.pop(label_columns[0]).to_numpy() != 0).astype(np.int64)
    numeric = table.apply(pd.to_numeric, errors="coerce")
    columns = [c for c in numeric.columns if numeric[c].notna().any()]
    if not columns:
        raise ValueError(f"{path} has no numeric column. Received: columns "
                         f"{[str(c) for c in table.columns]}")
    return numeric[columns].to_numpy(np.float64), labels


def _is_number(text):
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def detector_params(args):
    """The `AnomalyDetector` arguments the command line asks for."""
    import zoo

    params = {"window": args.window, "stride": args.stride, "contamination": args.contamination,
              "epochs": args.epochs, "score": args.score, "scaling": args.scaling,
              "seed": args.seed}
    if args.model in zoo.list_models() and args.model not in zoo.list_presets():
        params.update(model=None, variant=args.model, backbone=args.backbone,
                      latent_dim=args.latent_dim)
    else:
        params["model"] = args.model
    return params


def run(args):
    import json

    from zoo import atomic, quiet

    atomic.check_writable_target(args.out, args.overwrite)
    values, truth = load_series(args.data)
    if args.window is None and values.ndim == 2 and values.shape[1] <= 16:
        raise ValueError("--window is required for a series (T,) or (T, features). Received: "
                         f"data of shape {values.shape} and no --window")
    quiet.import_tensorflow()
    from zoo.detectors import AnomalyDetector
    from zoo.detectors.figure import detection_figure, flagged_spans

    params = detector_params(args)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    print(f"fitting {params.get('model') or params['variant']} on {args.data} "
          f"(shape {values.shape}, window {args.window})", flush=True)
    detector = AnomalyDetector(**params).fit(values)
    scores = detector.decision_scores_
    labels = detector.labels_
    summary = {
        "model": args.model, "data": os.path.abspath(args.data),
        "params": {k: v for k, v in params.items() if k != "model"},
        "threshold": detector.threshold_, "n": int(len(scores)),
        "n_flagged": int(labels.sum()), "spans": flagged_spans(labels),
    }
    if truth is not None and len(truth) == len(scores) and 0 < truth.sum() < len(truth):
        from sklearn.metrics import roc_auc_score

        summary["auroc"] = float(roc_auc_score(truth, scores))
    with atomic.atomic_directory(args.out, args.overwrite) as tmp:
        with open(os.path.join(tmp, "scores.csv"), "w") as f:
            f.write("index,score,label\n")
            f.writelines(f"{i},{s:.9g},{int(label)}\n"
                         for i, (s, label) in enumerate(zip(scores, labels, strict=True)))
        with open(os.path.join(tmp, "detection.json"), "w") as f:
            json.dump(summary, f, indent=2)
        detection_figure(os.path.join(tmp, "detection.png"), scores, labels, detector.threshold_,
                         series=values if args.window is not None else None,
                         title=f"aezoo detect {args.model}: {int(labels.sum())} of "
                               f"{len(labels)} flagged")
    line = (f"{summary['n_flagged']} of {summary['n']} flagged "
            f"({len(summary['spans'])} spans), threshold {detector.threshold_:.4g}")
    if "auroc" in summary:
        line += f", AUROC {summary['auroc']:.3f} against the data's labels"
    print(f"{line}\nwrote {args.out}/scores.csv, detection.json, detection.png")
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser(
        "detect", help="flag anomalies in a series or examples: scores, labels and a figure")
    p.add_argument("model", metavar="PRESET_OR_PATH",
                   help="preset name, .keras file, or a variant name (e.g. ae) to train anew")
    p.add_argument("--data", required=True, help=".csv or .npy file: a series (T,) or "
                   "(T, features) with --window, else a batch of examples")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--window", type=int, default=None,
                   help="timesteps per sliding window (series mode)")
    p.add_argument("--stride", type=int, default=1, help="step between windows (default 1)")
    p.add_argument("--contamination", type=float, default=0.1,
                   help="expected outlier fraction in (0, 0.5] (default 0.1)")
    p.add_argument("--score", default="combined",
                   help="combined (default), reconstruction, window_reconstruction, latent_knn, "
                        "latent_lof or iw_nll")
    p.add_argument("--scaling", default="auto", help="auto, standard, window or none")
    p.add_argument("--epochs", type=int, default=None,
                   help="training epochs (a preset is then fine-tuned; default: calibrate only)")
    p.add_argument("--backbone", default="conv", help="backbone of a new model (default conv)")
    p.add_argument("--latent-dim", type=int, default=8, help="latent size of a new model")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--overwrite", action="store_true", help="replace an existing DIR")
    p.set_defaults(run=run)
