"""`aezoo quickstart`: the main job end to end, on real data, in a few minutes.

1. load a pretrained preset (offline, sha256-verified) and measure it on
   held-out mnist5k test digits against its card;
2. fine-tune a copy briefly on a shifted domain (scikit-learn's 8x8 digits
   in MNIST framing) and measure the error before and after;
3. export the fine-tuned model to SavedModel, LiteRT and ONNX, verify
   parity in each runtime, and time batch-1 latency per runtime;
4. write a folder with `report.md`, `results.json` and PNG figures
   (reconstructions, samples, latent map, fine-tuning).
"""

import json
import os
import time

DEFAULT_PRESET = "vae_conv_mnist"
LATENCY_RUNS = 50


def _step(number, total, text):
    print(f"[{number}/{total}] {text}", flush=True)


def _latency_ms(fn, x, runs=LATENCY_RUNS):
    """Median wall time in ms of `fn(x)` over `runs` calls, after two warm-up calls."""
    import numpy as np

    fn(x)
    fn(x)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - started)
    return float(np.median(times) * 1000)


def _evaluate(model, info, x_train, y_train, x_test, y_test, k):
    from zoo import evaluation

    names = ["mse", "psnr", "pca_mse"]
    if evaluation.is_variational(model):
        names += ["elbo", "iw_nll", "active_units"]
    return evaluation.evaluate(model, (x_train, y_train, x_test, y_test), metrics=names, k=k)


def _export_and_time(model, folder, x_test, say):
    import numpy as np

    import export

    report = export.export_model(
        model, folder, formats=("saved_model", "tflite", "onnx"),
        endpoints=("encode", "reconstruct"), representative_data=x_test[:64],
        metadata={"source": "aezoo quickstart"}, progress=lambda line: say(f"    {line}"))
    checked = export.verify(folder)
    one = x_test[:1]
    reference = np.asarray(model.reconstruct(one))
    rows = [{"runtime": "keras (TensorFlow eager)", "endpoint": "reconstruct",
             "latency_ms": _latency_ms(model.reconstruct, one), "max_abs_diff": 0.0}]
    for artifact in report.artifacts:
        if artifact["endpoint"] != "reconstruct":
            continue
        run = export.load_runtime(os.path.join(folder, artifact["file"]),
                                  endpoint=artifact["endpoint"])
        rows.append({
            "runtime": artifact["format"],
            "endpoint": artifact["endpoint"],
            "latency_ms": _latency_ms(run, one),
            "max_abs_diff": float(np.max(np.abs(np.asarray(run(one)) - reference))),
        })
    parity = {}
    for artifact in report.artifacts:
        worst = artifact["parity"]["worst"]
        errors = [v["max_abs_error"] for v in worst.values() if isinstance(v, dict)
                  and "max_abs_error" in v]
        parity[artifact["id"]] = {"passed": bool(worst["passed"]),
                                  "max_abs_error": max(errors) if errors else None}
    return {"passed": bool(report.passed and checked.passed), "parity": parity,
            "latency": rows, "files": sorted(report.manifest.get("files", {}))}


def _format(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _report(results):
    r = results
    card = r["card_metrics"]
    lines = [
        "# aezoo quickstart", "",
        f"Preset `{r['preset']}` ({r['variant']} / {r['backbone']}), loaded offline with its "
        f"sha256 checked, evaluated on {r['n_test']} held-out mnist5k test digits "
        f"(preprocessing: {r['preprocessing']}). Total time {r['seconds']:.0f} s.", "",
        "## Evaluation (held-out test digits)", "",
        "| metric | quickstart | preset card (full test split) |", "|---|---|---|",
    ]
    for key, value in r["metrics"].items():
        if isinstance(value, list) or key in ("n_test", "latent_dim"):
            continue
        on_card = -card["neg_elbo"] if key == "elbo" and "neg_elbo" in card else card.get(key, "")
        lines.append(f"| {key} | {_format(value)} | {_format(on_card)} |")
    if "iw_nll" in r["metrics"]:
        lines += ["", f"`iw_nll` here uses k={r['metrics'].get('k')} importance samples on "
                  f"{r['n_test']} digits; the card uses k={card.get('k')} on the whole test "
                  "split, so the two differ by sampling noise and the subset."]
    ft = r["finetune"]
    lines += [
        "", "## Fine-tuning on a shifted domain", "",
        f"{ft['data']}: {ft['train_examples']} training images, {ft['epochs']} epoch(s), "
        f"learning rate {ft['learning_rate']:g}, {ft['seconds']:.1f} s.", "",
        "| test MSE per pixel (shifted domain) | value |", "|---|---|",
        f"| preset before fine-tuning | {ft['mse_before']:.4g} |",
        f"| after fine-tuning | {ft['mse_after']:.4g} |",
        "", "![fine-tuning](finetune.png)", "",
        "## Export (fine-tuned model)", "",
        f"SavedModel, LiteRT and ONNX, endpoints `encode` and `reconstruct`; parity "
        f"{'passed' if r['export']['passed'] else 'FAILED'} in every runtime (re-checked by "
        "`export.verify`).", "",
        "| runtime | endpoint | batch-1 latency, ms (median of "
        f"{LATENCY_RUNS}) | max abs diff vs Keras |", "|---|---|---|---|",
    ]
    for row in r["export"]["latency"]:
        lines.append(f"| {row['runtime']} | {row['endpoint']} | {row['latency_ms']:.3f} | "
                     f"{row['max_abs_diff']:.2e} |")
    lines += ["", "| artifact | parity |", "|---|---|"]
    for artifact, parity in r["export"]["parity"].items():
        lines.append(f"| {artifact} | {'pass' if parity['passed'] else 'FAIL'} "
                     f"(max abs error {_format(parity['max_abs_error'])}) |")
    lines += ["", "## Figures", "", "![reconstructions](reconstructions.png)", ""]
    if r.get("samples"):
        lines += ["![samples](samples.png)", ""]
    lines += ["![latent map](latent_map.png)", ""]
    return "\n".join(lines)


def run(args):
    from zoo import atomic, quiet

    atomic.check_writable_target(args.out, overwrite=True)
    started = time.perf_counter()
    total = 5
    quiet.import_tensorflow()
    import keras
    import numpy as np

    import zoo
    from zoo import datasets, evaluation, models
    from zoo.evaluation import figures
    from zoo.models import registry
    from zoo.training import finetune

    _step(1, total, f"loading preset {args.preset} (offline, sha256-verified)")
    info = zoo.preset_info(args.preset)
    kind = registry.model_kind(info["variant"])
    if "classifies" in kind.capabilities or tuple(info["input_shape"]) != (28, 28, 1):
        raise ValueError(f"quickstart runs on a 28x28 autoencoder preset such as "
                         f"{DEFAULT_PRESET!r}. Received: {args.preset!r}")
    model = zoo.load(args.preset)
    x_train, y_train = zoo.datasets.load(info["dataset"], "train")
    x_test, y_test = zoo.datasets.load(info["dataset"], "test")
    x_train = datasets.preprocessed(x_train, info["preprocessing"])
    x_test = datasets.preprocessed(x_test, info["preprocessing"])[: args.test_examples]
    y_test = y_test[: args.test_examples]

    _step(2, total, f"evaluating on {len(x_test)} held-out test digits")
    metrics = _evaluate(model, info, x_train, y_train, x_test, y_test, args.iw_samples)
    print("    " + ", ".join(f"{k}={_format(v)}" for k, v in metrics.items()
                             if not isinstance(v, list)))

    _step(3, total, "fine-tuning a copy on 8x8 digits in MNIST framing")
    keras.utils.set_random_seed(0)
    shifted_train = datasets.preprocessed(
        finetune.to_mnist_frame(zoo.datasets.load("digits", "train")[0]), info["preprocessing"])
    shifted_test = datasets.preprocessed(
        finetune.to_mnist_frame(zoo.datasets.load("digits", "test")[0]), info["preprocessing"])
    tuned = zoo.load(args.preset)

    def shifted_error(m):
        return evaluation.mean_squared_error(shifted_test,
                                             evaluation.reconstructions(m, shifted_test))

    before = shifted_error(tuned)
    tick = time.perf_counter()
    finetune.finetune(tuned, shifted_train, epochs=args.finetune_epochs, learning_rate=1e-3)
    ft = {"data": "scikit-learn digits upsampled to 28x28", "train_examples": len(shifted_train),
          "epochs": args.finetune_epochs, "learning_rate": 1e-3,
          "seconds": time.perf_counter() - tick, "mse_before": before,
          "mse_after": shifted_error(tuned)}
    print(f"    shifted-domain MSE per pixel {ft['mse_before']:.4g} -> {ft['mse_after']:.4g}")

    with atomic.atomic_directory(args.out, overwrite=True) as tmp:
        _step(4, total, "exporting the fine-tuned model to SavedModel, LiteRT and ONNX")
        exported = _export_and_time(tuned, os.path.join(tmp, "export"), x_test,
                                    lambda line: print(line, flush=True))
        for row in exported["latency"]:
            print(f"    {row['runtime']:<26} batch-1 {row['latency_ms']:.3f} ms, "
                  f"max abs diff {row['max_abs_diff']:.1e}")

        _step(5, total, "writing figures and the report")
        figures.reconstruction_grid(os.path.join(tmp, "reconstructions.png"), x_test,
                                    evaluation.reconstructions(model, x_test),
                                    title=f"{args.preset}: test digits and reconstructions")
        has_samples = models.has_capability(model, "samples")
        if has_samples:
            figures.sample_grid(os.path.join(tmp, "samples.png"),
                                np.asarray(model.sample(32, seed=0)),
                                title=f"{args.preset}: samples from the prior")
        figures.latent_map(os.path.join(tmp, "latent_map.png"),
                           evaluation.codes(model, x_test), y_test, methods=("pca",),
                           title=f"{args.preset}: test codes (PCA of the latent space)")
        figures.reconstruction_grid(
            os.path.join(tmp, "finetune.png"), shifted_test,
            evaluation.reconstructions(tuned, shifted_test),
            title="shifted domain: inputs and fine-tuned reconstructions")
        results = {
            "preset": args.preset, "variant": info["variant"], "backbone": info["backbone"],
            "preprocessing": info["preprocessing"], "n_test": len(x_test),
            "metrics": metrics, "card_metrics": info["metrics"], "finetune": ft,
            "export": exported, "samples": has_samples,
            "seconds": time.perf_counter() - started,
        }
        with open(os.path.join(tmp, "results.json"), "w") as f:
            json.dump(results, f, indent=2, default=float)
        with open(os.path.join(tmp, "report.md"), "w") as f:
            f.write(_report(results))
    print(f"wrote {args.out}/report.md ({results['seconds']:.0f} s); export parity "
          f"{'passed' if exported['passed'] else 'FAILED'}")
    return 0 if exported["passed"] else 1


def add_parser(subparsers):
    p = subparsers.add_parser(
        "quickstart",
        help="load a preset, evaluate, fine-tune, export (SavedModel/LiteRT/ONNX), report")
    p.add_argument("--preset", default=DEFAULT_PRESET,
                   help=f"28x28 autoencoder preset (default: {DEFAULT_PRESET})")
    p.add_argument("--test-examples", type=int, default=500,
                   help="held-out test digits to evaluate (default: 500)")
    p.add_argument("--iw-samples", type=int, default=100,
                   help="importance samples for the VAE IW-NLL (default: 100)")
    p.add_argument("--finetune-epochs", type=int, default=1)
    p.add_argument("--out", default="quickstart_out", help="output folder (replaced)")
    p.set_defaults(run=run)
