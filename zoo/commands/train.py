"""`aezoo train`: train any variant x backbone on an embedded dataset."""

import ast
import json
import os


def parse_options(pairs):
    """Parses `key=value` strings into a dict; values as Python literals when they parse."""
    options = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--option expects key=value. Received: {pair!r}")
        try:
            options[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            options[key] = value
    return options


def run(args):
    from zoo import atomic, quiet

    options = parse_options(args.option)
    target = atomic.check_writable_target(args.out, args.overwrite)
    tf = quiet.import_tensorflow()
    import keras

    import zoo

    x_train, _ = zoo.datasets.load(args.data, "train")
    x_test, _ = zoo.datasets.load(args.data, "test")
    keras.utils.set_random_seed(args.seed)
    model = zoo.build(args.variant, input_shape=x_train.shape[1:], latent_dim=args.latent_dim,
                      backbone=args.backbone, **options)
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    print(f"training {args.variant}/{args.backbone} on {args.data} "
          f"({len(x_train)} examples) for {args.epochs} epochs")
    history = model.fit(x_train, epochs=args.epochs, batch_size=args.batch_size,
                        validation_data=(x_test,), verbose=2)
    with atomic.atomic_file(target, overwrite=True, suffix=".keras") as tmp:
        model.save(tmp)
    summary = {k: float(v[-1]) for k, v in history.history.items()}
    print(json.dumps(summary, indent=None))
    print(f"saved {target}")
    del tf
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser("train", help="train a variant on a dataset and save a .keras file")
    p.add_argument("variant", help="variant name, see `aezoo list`")
    p.add_argument("--backbone", default="mlp", help="backbone name (default: mlp)")
    p.add_argument("--data", default="mnist5k", help="embedded dataset (default: mnist5k)")
    p.add_argument("--latent-dim", type=int, default=16, help="latent size (default: 16)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="variant/backbone option, repeatable, e.g. --option beta=0.5")
    p.add_argument("--out", default=os.path.join("runs", "model.keras"), help="output .keras file")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.set_defaults(run=run)
