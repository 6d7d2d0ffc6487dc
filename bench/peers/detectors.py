"""Anomaly detection against PyOD: the same data, the same protocol, side by side.

Two protocols, each run through aezoo's `zoo.detectors.AnomalyDetector` and
through PyOD's detectors (default settings, flattened inputs) in one process:

- `ecg`: the project's `ecg_mitdb` windows (DESIGN §7): fit on the 594
  normal training windows, AUROC on the 281 test windows (70 touch the
  labelled abnormal beat). aezoo uses the pretrained `ae_conv_ecg` preset
  (trained on the same training part only), so `fit` only calibrates. The
  false-positive rate on the normal test windows at `contamination=0.05`
  (threshold = 95th percentile of the training scores) is reported beside.
- `mnist`: the one-class protocol of `bench/one_class_auroc.py`: each digit
  held out in turn, fit on the other nine digits of mnist5k train (about
  3,600), AUROC on all 1,000 test digits. aezoo trains one conv AE per digit
  (`AnomalyDetector(latent_dim=..., epochs=...)`) and scores it several ways
  from the same network: reconstruction error, latent kNN and latent LOF on
  the encoder's codes, and their calibrated combination.
- `series`: long real series, one score per timestep (`window=32`): Yahoo's
  labelled series and real series with one injected anomalous segment; every
  detector is fit on the whole unlabelled series (see `series_cases`).

PyOD detectors: IForest, LOF, OCSVM, KNN, PCA, ECOD, COPOD, and (with
`--deep`, needs torch) its AutoEncoder and VAE. Needs the optional `peers`
extra: `pip install -e ".[peers]"`.

Writes `bench/results/peers_detectors.json` and `.md`.

Run: python -m bench.peers.detectors [--quick] [--protocols ecg,mnist,series]
     [--digits 0,...,9] [--epochs 10] [--latent-dim 16] [--deep] [--out DIR]
     python -m bench.peers.detectors --merge DIR1,DIR2   (runs split over digits)
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

AEZOO_SCORES = {"reconstruction": "reconstruction", "latent_knn": "latent_knn",
                "latent_lof": "latent_lof", "combined": "combined"}
PYOD_DETECTORS = ("IForest", "LOF", "OCSVM", "KNN", "PCA", "ECOD", "COPOD")
PYOD_DEEP = ("AutoEncoder", "VAE")


def pyod_detector(name, seed=0):
    """Returns a PyOD detector with its default settings (seeded where it takes a seed)."""
    if name == "IForest":
        from pyod.models.iforest import IForest
        return IForest(random_state=seed)
    if name == "LOF":
        from pyod.models.lof import LOF
        return LOF()
    if name == "OCSVM":
        from pyod.models.ocsvm import OCSVM
        return OCSVM()
    if name == "KNN":
        from pyod.models.knn import KNN
        return KNN()
    if name == "PCA":
        from pyod.models.pca import PCA
        return PCA(random_state=seed)
    if name == "ECOD":
        from pyod.models.ecod import ECOD
        return ECOD()
    if name == "COPOD":
        from pyod.models.copod import COPOD
        return COPOD()
    if name == "AutoEncoder":
        from pyod.models.auto_encoder import AutoEncoder
        return AutoEncoder(random_state=seed, verbose=0)
    if name == "VAE":
        from pyod.models.vae import VAE
        return VAE(random_state=seed, verbose=0)
    raise ValueError(f"Unknown PyOD detector {name!r}")


def pyod_scores(names, x_train, x_test, seed=0):
    """Returns {name: (test scores, seconds)} for PyOD detectors fit on flattened `x_train`."""
    flat_train = x_train.reshape(len(x_train), -1).astype(np.float64)
    flat_test = x_test.reshape(len(x_test), -1).astype(np.float64)
    out = {}
    for name in names:
        started = time.perf_counter()
        detector = pyod_detector(name, seed).fit(flat_train)
        out[name] = (detector.decision_function(flat_test), time.perf_counter() - started)
    return out


def aezoo_scores(x_train, x_test, scores, seed=0, **params):
    """Returns {score: (test scores, seconds)}, one network shared by every score.

    The first score's detector builds (or loads) the network and trains it;
    the others reuse the fitted network with the same scaling, so they differ
    only in how they score.
    """
    from zoo.detectors import AnomalyDetector

    out = {}
    started = time.perf_counter()
    first = AnomalyDetector(score=scores[0], seed=seed, **params).fit(x_train)
    out[scores[0]] = (first.decision_function(x_test), time.perf_counter() - started)
    for score in scores[1:]:
        started = time.perf_counter()
        detector = AnomalyDetector(model=first.model_, score=score,
                                   scaling=first.scaling_["mode"],
                                   contamination=params.get("contamination", 0.1),
                                   n_neighbors=params.get("n_neighbors", 10)).fit(x_train)
        out[score] = (detector.decision_function(x_test), time.perf_counter() - started)
    return out, first


def auroc(scores, labels):
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def ecg_protocol(pyod_names, seed):
    """The ECG windows: pretrained `ae_conv_ecg` through the detector API vs PyOD."""
    import zoo
    from zoo.detectors import AnomalyDetector

    x_train, _ = zoo.datasets.load("ecg_mitdb", "train")
    x_test, y_test = zoo.datasets.load("ecg_mitdb", "test")
    rows = []
    scores, detector = aezoo_scores(x_train, x_test, list(AEZOO_SCORES), seed=seed,
                                    model="ae_conv_ecg", contamination=0.05)
    for name, (values, seconds) in scores.items():
        rows.append({"library": "aezoo", "detector": f"ae_conv_ecg {name}",
                     "auroc": auroc(values, y_test), "seconds": seconds})
    calibrated = AnomalyDetector("ae_conv_ecg", contamination=0.05).fit(x_train)
    labels = calibrated.predict(x_test)
    fpr = float(labels[y_test == 0].mean())
    tpr = float(labels[y_test == 1].mean())
    for name, (values, seconds) in pyod_scores(pyod_names, x_train, x_test, seed).items():
        rows.append({"library": "PyOD", "detector": name, "auroc": auroc(values, y_test),
                     "seconds": seconds})
    best = {lib: max((r for r in rows if r["library"] == lib), key=lambda r: r["auroc"])
            for lib in ("aezoo", "PyOD")}
    del detector
    return {"n_train": len(x_train), "n_test": len(x_test), "n_anomalous": int(y_test.sum()),
            "rows": rows, "best": best,
            "contamination_0.05": {"threshold": calibrated.threshold_,
                                   "false_positive_rate": fpr, "true_positive_rate": tpr}}


def mnist_protocol(digits, pyod_names, epochs, latent_dim, seed, progress=print):
    """The one-class mnist5k protocol: one conv AE per held-out digit vs PyOD."""
    from zoo import applications

    per_digit = []
    for digit in digits:
        x_train, x_test, y_test = applications.one_class_split((digit,))
        row = {"digit": digit}
        scores, _ = aezoo_scores(x_train, x_test, list(AEZOO_SCORES), seed=seed,
                                 latent_dim=latent_dim, epochs=epochs)
        for name, (values, _) in scores.items():
            row[f"aezoo {name}"] = auroc(values, y_test)
        for name, (values, _) in pyod_scores(pyod_names, x_train, x_test, seed).items():
            row[f"PyOD {name}"] = auroc(values, y_test)
        per_digit.append(row)
        progress(f"[mnist] digit {digit}: " + ", ".join(
            f"{k} {v:.3f}" for k, v in row.items() if k != "digit"))
    return mnist_summary(per_digit, epochs, latent_dim)


def mnist_summary(per_digit, epochs, latent_dim):
    """Means over digits and the best detector of each library."""
    per_digit = sorted(per_digit, key=lambda r: r["digit"])
    columns = [k for k in per_digit[0] if k != "digit"]
    mean = {c: float(np.mean([r[c] for r in per_digit])) for c in columns}
    best = {lib: max(((c, v) for c, v in mean.items() if c.startswith(lib)), key=lambda t: t[1])
            for lib in ("aezoo", "PyOD")}
    return {"digits": [r["digit"] for r in per_digit], "epochs": epochs,
            "latent_dim": latent_dim,
            "rows": per_digit, "mean": mean,
            "best": {lib: {"detector": c.removeprefix(f"{lib} "), "auroc": v}
                     for lib, (c, v) in best.items()}}


SERIES_SCORES = ("reconstruction", "window_reconstruction", "latent_knn", "latent_lof",
                 "combined")


def series_cases():
    """Yields `(name, series, labels)`: real series with labelled anomalies.

    Yahoo's labelled series (sktime) as shipped, and sktime's GunPoint
    segmentation series (real hand-motion recordings) and the normal first
    5,000 samples of the MIT-BIH excerpt, each with one injected anomalous
    segment of 60 samples: Gaussian noise, an amplified stretch, or a level
    shift.
    """
    import pandas as pd
    import sktime

    data = os.path.join(os.path.dirname(sktime.__file__), "datasets", "data")
    table = pd.read_csv(os.path.join(data, "yahoo", "yahoo.csv"))
    yield "yahoo (7 labelled points)", table["data"].to_numpy(np.float64), table["label"].to_numpy()
    gunpoint = pd.read_csv(os.path.join(data, "segmentation", "GunPoint.csv"),
                           header=None)[1].to_numpy(np.float64)
    ecg = pd.read_csv(os.path.join(data, "mitdb", "mitdb.csv"))["data"].to_numpy(np.float64)[:5000]
    for name, base, kind, start in (("gunpoint + noise", gunpoint, "noise", 1200),
                                    ("gunpoint + amplified", gunpoint, "amplified", 1200),
                                    ("gunpoint + level shift", gunpoint, "shift", 500),
                                    ("ecg + amplified", ecg, "amplified", 3000)):
        series, labels = base.copy(), np.zeros(len(base), np.int64)
        part = slice(start, start + 60)
        labels[part] = 1
        segment = series[part]
        if kind == "noise":
            rng = np.random.default_rng(0)
            series[part] = segment.mean() + rng.normal(0, base.std(), 60)
        elif kind == "amplified":
            series[part] = segment.mean() + 2.5 * (segment - segment.mean())
        else:
            series[part] = segment + 2 * base.std()
        yield name, series, labels


def series_protocol(pyod_names, window, epochs, seed, progress=print):
    """Per-timestep AUROC on real series: aezoo from scratch vs PyOD on the same windows.

    Every detector is fit on the whole unlabelled series. PyOD scores each
    flattened (standardized) window; its window scores are averaged onto the
    timesteps exactly as aezoo's window-level scores are.
    """
    from zoo.detectors import AnomalyDetector, per_timestep, sliding_windows

    rows = []
    for name, series, labels in series_cases():
        row = {"series": name, "length": len(series), "anomalous": int(labels.sum())}
        first = AnomalyDetector(window=window, epochs=epochs, seed=seed).fit(series)
        for score in SERIES_SCORES:
            detector = first if score == "combined" else AnomalyDetector(
                model=first.model_, window=window, score=score,
                scaling=first.scaling_["mode"]).fit(series)
            row[f"aezoo {score}"] = auroc(detector.decision_function(series), labels)
        windows, starts = sliding_windows((series - series.mean()) / series.std(), window)
        for detector_name, (values, _) in pyod_scores(pyod_names, windows, windows,
                                                      seed).items():
            row[f"PyOD {detector_name}"] = auroc(
                per_timestep(values, starts, len(series), window), labels)
        rows.append(row)
        progress(f"[series] {name}: " + ", ".join(
            f"{k} {v:.3f}" for k, v in row.items() if k.startswith(("aezoo", "PyOD"))))
    columns = [k for k in rows[0] if k.startswith(("aezoo", "PyOD"))]
    mean = {c: float(np.mean([r[c] for r in rows])) for c in columns}
    return {"window": window, "epochs": epochs, "rows": rows, "mean": mean}


def markdown(report):
    config = report["config"]
    lines = ["# Anomaly detection: aezoo detectors against PyOD", "",
             "Same data, same protocol, one process; PyOD's detectors at their default "
             "settings on flattened inputs. AUROC (higher is better).", ""]
    ecg = report.get("ecg")
    if ecg:
        lines += ["## ECG windows (`ecg_mitdb`)", "",
                  f"Fit on the {ecg['n_train']} normal training windows, scored on the "
                  f"{ecg['n_test']} test windows ({ecg['n_anomalous']} touch the labelled "
                  "abnormal beat). aezoo: the pretrained `ae_conv_ecg` preset through "
                  "`AnomalyDetector` (fit only calibrates).", "",
                  "| library | detector | AUROC | seconds |", "|---|---|---|---|"]
        for row in sorted(ecg["rows"], key=lambda r: -r["auroc"]):
            lines.append(f"| {row['library']} | {row['detector']} | {row['auroc']:.3f} | "
                         f"{row['seconds']:.1f} |")
        c = ecg["contamination_0.05"]
        lines += ["", f"Best aezoo: {ecg['best']['aezoo']['detector']} "
                      f"{ecg['best']['aezoo']['auroc']:.3f}; best PyOD: "
                      f"{ecg['best']['PyOD']['detector']} {ecg['best']['PyOD']['auroc']:.3f}. "
                      f"At `contamination=0.05` (threshold {c['threshold']:.4g} from the "
                      f"training windows): false-positive rate on the normal test windows "
                      f"{c['false_positive_rate']:.3f}, true-positive rate "
                      f"{c['true_positive_rate']:.3f}.", ""]
    mnist = report.get("mnist")
    if mnist:
        columns = list(mnist["mean"])
        lines += ["## One-class mnist5k", "",
                  "Each digit held out as the anomaly; fit on the other nine digits of "
                  "mnist5k train, scored on the 1,000 test digits (the protocol of "
                  f"`bench/one_class_auroc.py`). aezoo: one conv AE per digit (latent "
                  f"{mnist['latent_dim']}, {mnist['epochs']} epochs, seed {config['seed']}), "
                  "scored by reconstruction error, latent kNN / LOF on its codes "
                  "(10 neighbours), and their calibrated combination "
                  "(reconstruction + latent LOF).", "",
                  "| digit | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
        for row in mnist["rows"]:
            lines.append(f"| {row['digit']} | " + " | ".join(f"{row[c]:.3f}" for c in columns)
                         + " |")
        lines.append("| **mean** | " + " | ".join(f"**{mnist['mean'][c]:.3f}**"
                                                  for c in columns) + " |")
        b = mnist["best"]
        lines += ["", f"Best aezoo: {b['aezoo']['detector']} {b['aezoo']['auroc']:.3f}; "
                      f"best PyOD: {b['PyOD']['detector']} {b['PyOD']['auroc']:.3f}.", ""]
    series = report.get("series")
    if series:
        columns = list(series["mean"])
        lines += ["## Long series, one score per timestep", "",
                  "Each detector is fit on the whole unlabelled series and scores every "
                  f"timestep (window {series['window']}, stride 1). aezoo: "
                  f"`AnomalyDetector(window={series['window']}, epochs={series['epochs']})`, "
                  "a conv AE trained from scratch, scored each way from the same network; "
                  "PyOD: its detectors on the same standardized windows, window scores "
                  "averaged onto timesteps. Per-timestep AUROC.", "",
                  "| series | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
        for row in series["rows"]:
            lines.append(f"| {row['series']} | " + " | ".join(f"{row[c]:.3f}" for c in columns)
                         + " |")
        lines.append("| **mean** | " + " | ".join(f"**{series['mean'][c]:.3f}**"
                                                  for c in columns) + " |")
        lines.append("")
    lines.append(f"Ran in {report['seconds']:.0f} s.")
    return "\n".join(lines)


def headline(report):
    """One line per protocol: best aezoo against best PyOD."""
    parts = []
    for key, label in (("ecg", "ECG windows"), ("mnist", "one-class mnist5k")):
        if key in report:
            b = report[key]["best"]
            parts.append(f"{label}: aezoo {b['aezoo']['detector']} {b['aezoo']['auroc']:.3f} "
                         f"vs PyOD {b['PyOD']['detector']} {b['PyOD']['auroc']:.3f}")
    return "; ".join(parts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one digit, 2 epochs: checks only")
    parser.add_argument("--protocols", default="ecg,mnist,series")
    parser.add_argument("--digits", default="0,1,2,3,4,5,6,7,8,9")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument("--pyod", default=",".join(PYOD_DETECTORS),
                        help="PyOD detectors to run (default: all classical ones)")
    parser.add_argument("--deep", action="store_true",
                        help="also PyOD's AutoEncoder and VAE (needs torch)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--window", type=int, default=32, help="series protocol window")
    parser.add_argument("--series-epochs", type=int, default=10)
    parser.add_argument("--out", default=None, help="results folder (default bench/results)")
    parser.add_argument("--merge", default=None, metavar="DIR,DIR",
                        help="combine the results of runs over parts of the digits (run in "
                             "parallel) into one result, instead of running")
    args = parser.parse_args(argv)
    if args.merge:
        return merge(args.merge.split(","), args.out)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from bench.common import RESULTS, write_results

    protocols = [p for p in args.protocols.split(",") if p]
    unknown = sorted(set(protocols) - {"ecg", "mnist", "series"})
    if unknown:
        raise SystemExit(f"Unknown protocol {unknown}. Expected some of ['ecg', 'mnist', "
                         "'series'].")
    digits = tuple(int(d) for d in args.digits.split(","))
    epochs = args.epochs
    if args.quick:
        digits, epochs, args.series_epochs = digits[:1], 2, 1
    pyod_names = tuple(n for n in args.pyod.split(",") if n) + (PYOD_DEEP if args.deep else ())
    started = time.perf_counter()
    report = {"config": {"protocols": protocols, "digits": list(digits), "epochs": epochs,
                         "latent_dim": args.latent_dim, "seed": args.seed,
                         "pyod": list(pyod_names), "quick": args.quick}}
    import pyod

    report["config"]["pyod_version"] = pyod.__version__
    if "ecg" in protocols:
        report["ecg"] = ecg_protocol(pyod_names, args.seed)
        print(f"[ecg] {headline({'ecg': report['ecg']})}", flush=True)
    if "mnist" in protocols:
        report["mnist"] = mnist_protocol(digits, pyod_names, epochs, args.latent_dim, args.seed,
                                         progress=lambda line: print(line, flush=True))
    if "series" in protocols:
        report["series"] = series_protocol(PYOD_DETECTORS, args.window, args.series_epochs,
                                           args.seed, progress=lambda line: print(line, flush=True))
    report["seconds"] = time.perf_counter() - started
    report["headline"] = headline(report)
    paths = write_results("peers_detectors", report, markdown(report), args.out or RESULTS)
    print(f"{report['headline']}\nwrote {', '.join(paths)}")
    return report


def merge(folders, out=None):
    """Writes one result from runs that each covered some digits (and maybe the ECG part)."""
    import json

    from bench.common import RESULTS, write_results

    parts = []
    for folder in folders:
        with open(os.path.join(folder, "peers_detectors.json")) as f:
            parts.append(json.load(f))
    report = {"config": {**parts[0]["config"], "merged_from": [p["command"] for p in parts]},
              "seconds": sum(p["seconds"] for p in parts)}
    for key in ("ecg", "series"):
        found = [p[key] for p in parts if key in p]
        if found:
            report[key] = found[0]
    rows = [r for p in parts if "mnist" in p for r in p["mnist"]["rows"]]
    if rows:
        first = next(p["mnist"] for p in parts if "mnist" in p)
        report["mnist"] = mnist_summary(rows, first["epochs"], first["latent_dim"])
        report["config"]["digits"] = report["mnist"]["digits"]
    report["headline"] = headline(report)
    paths = write_results("peers_detectors", report, markdown(report), out or RESULTS)
    print(f"{report['headline']}\nwrote {', '.join(paths)}")
    return report


if __name__ == "__main__":
    main()
