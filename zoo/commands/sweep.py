"""`aezoo sweep`: one model per latent size; test error against latent size, beside PCA."""

import json
import os
import time


def parse_latent_dims(text):
    """Returns a sorted tuple of distinct positive ints from `"2,4,8"`."""
    try:
        dims = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        dims = []
    if not dims or any(d < 1 for d in dims):
        raise ValueError("--latent-dims expects comma-separated positive integers, e.g. "
                         f"2,4,8,16,32. Received: {text!r}")
    return tuple(sorted(set(dims)))


def sweep_row(args, options, latent_dim, data):
    """Trains one model at `latent_dim` and returns its row of the sweep table."""
    import keras

    import zoo
    from zoo import evaluation

    x_train, _, x_test, _ = data
    started = time.perf_counter()
    keras.utils.set_random_seed(args.seed)
    model = zoo.build(args.variant, input_shape=x_train.shape[1:], latent_dim=latent_dim,
                      backbone=args.backbone, **options)
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    history = model.fit(x_train, epochs=args.epochs, batch_size=args.batch_size, verbose=0)
    mse = evaluation.mean_squared_error(x_test, evaluation.reconstructions(model, x_test))
    # One PCA component per latent variable (per code position for a VQ-VAE).
    components = min(evaluation.latent_size(model), x_train[0].size, len(x_train))
    pca_mse = evaluation.pca_mean_squared_error(x_train, x_test, components, args.seed)
    return {"latent_dim": latent_dim, "pca_components": components, "mse": mse,
            "pca_mse": pca_mse,
            "ratio_to_pca": mse / pca_mse, "final_train_loss": float(history.history["loss"][-1]),
            "seconds": round(time.perf_counter() - started, 2)}


def markdown_table(rows, variant, backbone):
    """Returns the sweep rows as a markdown table."""
    lines = [f"| latent | {variant}/{backbone} MSE | PCA components | PCA MSE | ratio |",
             "|---|---|---|---|---|"]
    lines += [f"| {r['latent_dim']} | {r['mse']:.5f} | {r['pca_components']} | "
              f"{r['pca_mse']:.5f} | {r['ratio_to_pca']:.2f} |" for r in rows]
    return "\n".join(lines) + "\n"


def run(args):
    from zoo import atomic, quiet
    from zoo.training import parse_options

    dims = parse_latent_dims(args.latent_dims)
    options = parse_options(args.option)
    if args.epochs < 1:
        raise ValueError(f"--epochs must be a positive integer. Received: {args.epochs}")
    atomic.check_writable_target(args.out, args.overwrite)
    quiet.import_tensorflow()
    import zoo
    from zoo import evaluation
    from zoo.evaluation import figures

    for kind, name, names in (("variant", args.variant, zoo.list_models()),
                              ("backbone", args.backbone, zoo.list_backbones())):
        if name not in names:
            raise ValueError(f"Unknown {kind}. Expected one of {names}. Received: {name!r}")
    data = evaluation.dataset_arrays(args.data)
    features = int(data[0][0].size)
    if dims[-1] > min(features, len(data[0])):
        raise ValueError(f"--latent-dims must not exceed the data size ({features} values per "
                         f"example) for the PCA baseline. Received: {dims[-1]}")
    rows = []
    for i, latent_dim in enumerate(dims, start=1):
        print(f"[{i}/{len(dims)}] {args.variant}/{args.backbone} latent {latent_dim}: training "
              f"{args.epochs} epochs on {args.data} ({len(data[0])} examples)", flush=True)
        row = sweep_row(args, options, latent_dim, data)
        rows.append(row)
        print(f"      test MSE {row['mse']:.5f}, PCA {row['pca_mse']:.5f} "
              f"(ratio {row['ratio_to_pca']:.2f}), {row['seconds']:.1f}s", flush=True)
    report = {"variant": args.variant, "backbone": args.backbone, "data": args.data,
              "epochs": args.epochs, "options": {k: repr(v) for k, v in options.items()},
              "rows": rows}
    with atomic.atomic_directory(args.out, overwrite=args.overwrite) as tmp:
        with open(os.path.join(tmp, "sweep.json"), "w") as f:
            json.dump(report, f, indent=2)
        with open(os.path.join(tmp, "sweep.md"), "w") as f:
            f.write(markdown_table(rows, args.variant, args.backbone))
        figures.latent_size_curve(
            os.path.join(tmp, "sweep.png"), [r["latent_dim"] for r in rows],
            [r["mse"] for r in rows], [r["pca_mse"] for r in rows],
            label=f"{args.variant}/{args.backbone}",
            title=f"{args.data}: test reconstruction error vs latent size")
    print(f"wrote {args.out}/sweep.json, sweep.md, sweep.png")
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser("sweep", help="train one model per latent size and compare to PCA")
    p.add_argument("variant", help="variant name, see `aezoo list`")
    p.add_argument("--backbone", default="mlp", help="backbone name (default: mlp)")
    p.add_argument("--data", default="mnist5k", help="embedded dataset (default: mnist5k)")
    p.add_argument("--latent-dims", default="2,4,8,16,32",
                   help="comma-separated latent sizes (default: 2,4,8,16,32)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="variant/backbone option, repeatable, e.g. --option hidden_units=(256,)")
    p.add_argument("--out", default=os.path.join("runs", "sweep"), help="output folder")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    p.set_defaults(run=run)
