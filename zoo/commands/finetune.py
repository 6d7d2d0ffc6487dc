"""`aezoo finetune`: fine-tune a preset on new data and save the result."""

import os
import zipfile

TRANSFORMS = ("none", "invert", "mnist_frame")


def load_data(source, split, transform="none"):
    """Returns `(x, description)` from an embedded dataset name or a `.npz`/`.npy` file.

    Args:
        source: str. A name from `zoo.datasets.list_datasets()`, a `.npy`
            file, or a `.npz` file (array `x`, else its first array).
        split: str. Split of an embedded dataset.
        transform: str. `"none"`, `"invert"` (`1 - x`) or `"mnist_frame"`
            (small images upsampled to a 20x20 digit in 28x28, e.g. `digits`).

    Returns:
        `(x, description)`: float32 examples and a short text.
    """
    import numpy as np

    from zoo import checks, datasets

    checks.choice("--transform", transform, TRANSFORMS)
    if source in datasets.list_datasets():
        x, _ = datasets.load(source, split)
        description = f"{source} {split}"
    elif source.endswith((".npz", ".npy")):
        if not os.path.isfile(source):
            raise FileNotFoundError(f"No such data file: {source}")
        try:
            loaded = np.load(source, allow_pickle=False)
            if isinstance(loaded, np.ndarray):
                x = loaded
            else:
                with loaded:
                    keys = list(loaded.keys())
                    x = loaded["x" if "x" in keys else keys[0]] if keys else None
        except (OSError, EOFError, ValueError, zipfile.BadZipFile) as error:
            raise ValueError(f"{source} is not a readable .npz/.npy file of numbers (truncated "
                             f"or corrupt?): {error}") from None
        if x is None:
            raise ValueError(f"{source} holds no arrays. Received: an empty .npz")
        x = np.asarray(x)
        description = source
    else:
        raise ValueError(f"--data expects one of {datasets.list_datasets()} or a .npz/.npy "
                         f"file. Received: {source!r}")
    if transform == "invert":
        x = 1.0 - x
        description += ", inverted (1 - x)"
    elif transform == "mnist_frame":
        from zoo.training import finetune

        x = finetune.to_mnist_frame(x)
        description += ", upsampled to 28x28"
    return x, description


def run(args):
    import time

    from zoo import atomic, quiet

    target = atomic.check_writable_target(args.out, args.overwrite)
    x, description = load_data(args.data, "train", args.transform)
    quiet.import_tensorflow()
    import keras

    import zoo
    from zoo import evaluation, hub
    from zoo.training import finetune

    model = zoo.load(args.preset)
    from zoo.commands.evaluate import check_autoencoder

    check_autoencoder(model, args.preset, "finetune")
    x = finetune.check_data(model, x)
    held_out = None
    if args.data in zoo.datasets.list_datasets():
        held_out, _ = load_data(args.data, "test", args.transform)
        held_out = finetune.check_data(model, held_out)
    keras.utils.set_random_seed(args.seed)

    def error():
        if held_out is None:
            return None
        return evaluation.mean_squared_error(held_out, evaluation.reconstructions(model, held_out))

    before = error()
    frozen = "encoder frozen" if args.freeze_encoder else "all weights trainable"
    print(f"fine-tuning {args.preset} on {description} ({len(x)} examples, {frozen}) for "
          f"{args.epochs} epochs", flush=True)
    started = time.perf_counter()
    history = finetune.finetune(model, x, epochs=args.epochs, learning_rate=args.learning_rate,
                                batch_size=args.batch_size, freeze=args.freeze_encoder,
                                verbose=2)
    seconds = time.perf_counter() - started
    print(f"final training loss {history.history['loss'][-1]:.4g} ({seconds:.1f}s)")
    if before is not None:
        print(f"held-out test MSE per pixel: {before:.4g} before, {error():.4g} after")
    finetune.unfreeze_encoder(model)
    with atomic.atomic_file(target, overwrite=True, suffix=".keras") as tmp:
        hub.uncompiled_copy(model).save(tmp)
    print(f"saved {target}")
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser("finetune", help="fine-tune a preset on new data")
    p.add_argument("preset", help="preset name (see `aezoo list`) or a .keras file")
    p.add_argument("--data", required=True,
                   help="embedded dataset name, or a .npz (array 'x') / .npy file")
    p.add_argument("--transform", choices=TRANSFORMS, default="none",
                   help="'invert': 1 - x; 'mnist_frame': upsample to a 20x20 digit in 28x28")
    p.add_argument("--freeze-encoder", action="store_true", help="train the decoder only")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--learning-rate", type=float, default=3e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="output .keras file")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.set_defaults(run=run)
