"""`aezoo train`: train any variant x backbone on an embedded dataset, resumably.

Each run lives in a run folder (`--run-dir`, default `runs/<variant>_<backbone>_
<data>`): `run.json` holds the recipe, and after every epoch the model with its
optimizer state is written atomically to `epoch_NNNN.keras` (the previous one is
then removed). Re-running the same command after a kill resumes from the last
complete checkpoint and says so. `--preset NAME` measures the trained model and
writes `saved_models/NAME/` and its manifest entry (`zoo.presets.save_preset`).

Example:
    aezoo train vae --backbone conv --data mnist5k --latent-dim 32 --epochs 40 \\
        --binarize --kl-warmup 10 --lr-schedule cosine --preset vae_conv_mnist
"""

import ast
import glob
import json
import math
import os
import re
import shutil
import time
import zipfile

CLASSIFIER = "classifier"
_CHECKPOINT = re.compile(r"epoch_(\d{4,})\.keras$")
# Arguments that define a run; resuming with any of them changed is refused.
_RECIPE_KEYS = ("variant", "backbone", "data", "latent_dim", "batch_size", "learning_rate",
                "lr_schedule", "clipnorm", "kl_warmup", "codebook_restarts", "binarize", "seed",
                "option", "train_option", "precision")
# The code prior belongs to one trained model: its file names both epoch counts.
PRIOR_FILE = "prior_after_{epochs}_epochs_{prior_epochs}.keras"


def parse_options(pairs):
    """Parses `key=value` strings into a dict; values as Python literals when they parse.

    Example:
    >>> parse_options(["beta=0.5", "filters=(32, 64)", "cell=gru"])
    {'beta': 0.5, 'filters': (32, 64), 'cell': 'gru'}
    """
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


def recipe_command(args):
    """Returns the canonical `aezoo train ...` command line of parsed arguments."""
    parts = ["aezoo", "train", args.variant]
    if args.variant != CLASSIFIER:
        parts += ["--backbone", args.backbone]
    parts += ["--data", args.data]
    for pair in args.train_option or ():
        parts += ["--train-option", pair]
    if args.variant != CLASSIFIER:
        parts += ["--latent-dim", str(args.latent_dim)]
    parts += ["--epochs", str(args.epochs), "--batch-size", str(args.batch_size),
              "--learning-rate", f"{args.learning_rate:g}"]
    if args.lr_schedule != "constant":
        parts += ["--lr-schedule", args.lr_schedule]
    if args.clipnorm:
        parts += ["--clipnorm", f"{args.clipnorm:g}"]
    if args.kl_warmup:
        parts += ["--kl-warmup", str(args.kl_warmup)]
    if args.codebook_restarts:
        parts.append("--codebook-restarts")
    if args.prior_epochs:
        parts += ["--prior-epochs", str(args.prior_epochs)]
    if args.binarize:
        parts.append("--binarize")
    parts += ["--seed", str(args.seed)]
    if args.precision:
        parts += ["--precision", args.precision]
    for pair in args.option or ():
        key, _, value = pair.partition("=")
        parts += ["--option", f"'{key}={value}'" if any(c in value for c in " (),[]") else pair]
    if args.preset:
        parts += ["--preset", args.preset]
    return " ".join(parts)


def _check_args(args):
    from zoo import checks, datasets

    if not is_path(args.data):
        checks.choice("--data", args.data, datasets.list_datasets())
    elif args.variant == CLASSIFIER or args.codebook_restarts or args.prior_epochs or args.preset:
        raise ValueError("--data PATH streams unlabelled files; the classifier, "
                         "--codebook-restarts, --prior-epochs and --preset need an embedded "
                         f"dataset ({', '.join(datasets.list_datasets())}). "
                         f"Received: --data {args.data}")
    for name in ("epochs", "batch_size", "latent_dim"):
        checks.positive_int(f"--{name.replace('_', '-')}", getattr(args, name))
    checks.number_in_range("--learning-rate", args.learning_rate, 0.0, low_open=True)
    checks.number_in_range("--clipnorm", args.clipnorm, 0.0)
    if args.kl_warmup < 0:
        raise ValueError(f"--kl-warmup must be >= 0 epochs. Received: {args.kl_warmup}")
    if args.kl_warmup and args.variant != "vae":
        raise ValueError(f"--kl-warmup applies to the vae variant only. Received: "
                         f"variant={args.variant!r}")
    if (args.codebook_restarts or args.prior_epochs) and args.variant != "vq_vae":
        raise ValueError(f"--codebook-restarts and --prior-epochs apply to the vq_vae variant "
                         f"only. Received: variant={args.variant!r}")
    if args.prior_epochs < 0:
        raise ValueError(f"--prior-epochs must be >= 0. Received: {args.prior_epochs}")
    if args.variant == CLASSIFIER:
        if args.option:
            raise ValueError(f"The classifier takes no --option. Received: {args.option}")
        if args.data != "mnist5k":
            raise ValueError(f"The classifier trains on 28x28 digits: --data mnist5k. "
                             f"Received: --data {args.data}")


def is_path(data):
    """True when `--data` names files (a path or a glob) rather than an embedded dataset."""
    from zoo import datasets

    if data in datasets.list_datasets():
        return False
    return any(c in data for c in "*?[") or os.sep in data or os.path.exists(data)


def _streamed(args):
    """Returns `(dataset, input_shape, steps_per_epoch)` for `--data PATH`."""
    import tensorflow as tf

    import zoo

    dataset = zoo.datasets.from_files(args.data, batch_size=args.batch_size, shuffle=True,
                                      seed=args.seed)
    if args.binarize:
        dataset = dataset.map(lambda batch: tf.cast(batch > 0.5, tf.float32))
    return dataset, tuple(dataset.element_spec.shape[1:]), int(dataset.cardinality())


def _worker(args):
    """Returns `(is_chief, task index)` of this process under the multiworker strategy."""
    if args.strategy != "multiworker":
        return True, 0
    task = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {})
    index = int(task.get("index", 0))
    return task.get("type", "worker") == "chief" or (task.get("type") == "worker"
                                                      and index == 0), index


def _learning_rate(args, steps_per_epoch):
    import keras

    if args.lr_schedule == "cosine":
        # Decays to 5% of the initial rate over the whole run.
        return keras.optimizers.schedules.CosineDecay(
            args.learning_rate, steps_per_epoch * args.epochs, alpha=0.05)
    return args.learning_rate


def _optimizer(args, steps_per_epoch):
    import keras

    return keras.optimizers.Adam(_learning_rate(args, steps_per_epoch),
                                 clipnorm=args.clipnorm or None)


def _build(args, input_shape, steps_per_epoch):
    import keras

    import zoo

    if args.variant == CLASSIFIER:
        from zoo import classifier

        # The architecture whose `features` layer defines aezoo's MNIST-classifier FID.
        model = classifier.build_mnist_classifier()
        model.compile(optimizer=_optimizer(args, steps_per_epoch),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        return model
    model = zoo.build(args.variant, input_shape=input_shape, latent_dim=args.latent_dim,
                      backbone=args.backbone, **parse_options(args.option))
    model.compile(optimizer=_optimizer(args, steps_per_epoch))
    return model


def latest_checkpoint(run_dir):
    """Returns `(epoch, path)` of the newest complete checkpoint in a run folder, or `(0, None)`."""
    found = []
    for path in glob.glob(os.path.join(run_dir, "epoch_*.keras")):
        match = _CHECKPOINT.search(os.path.basename(path))
        if match:
            found.append((int(match.group(1)), path))
    return max(found) if found else (0, None)


def _checkpoint_callback(run_dir, history_path, previous_history):
    import keras

    from zoo import atomic

    class Checkpoint(keras.callbacks.Callback):
        """Writes model + optimizer state atomically after each epoch."""

        def __init__(self):
            super().__init__()
            self.history = {k: list(v) for k, v in previous_history.items()}

        def on_epoch_end(self, epoch, logs=None):
            path = os.path.join(run_dir, f"epoch_{epoch + 1:04d}.keras")
            with atomic.atomic_file(path, suffix=".keras") as tmp:
                self.model.save(tmp)
            for key, value in (logs or {}).items():
                self.history.setdefault(key, []).append(float(value))
            with atomic.atomic_file(history_path, suffix=".json") as tmp, open(tmp, "w") as f:
                json.dump(self.history, f)
            # Older checkpoints go only once the new one is complete.
            for old_epoch, old in _all_checkpoints(run_dir):
                if old_epoch < epoch + 1:
                    os.remove(old)

    return Checkpoint()


def _all_checkpoints(run_dir):
    for path in glob.glob(os.path.join(run_dir, "epoch_*.keras")):
        match = _CHECKPOINT.search(os.path.basename(path))
        if match:
            yield int(match.group(1)), path


def _kl_warmup_callback(model, warmup_epochs, beta):
    import keras

    class KLWarmup(keras.callbacks.Callback):
        """Raises the KL weight linearly to `beta` over the first epochs."""

        def on_epoch_begin(self, epoch, logs=None):
            model.kl_weight.assign(beta * min(1.0, (epoch + 1) / warmup_epochs))

    return KLWarmup()


def _progress_callback(total_epochs):
    import keras

    class Progress(keras.callbacks.Callback):
        """Prints one line per epoch with its values and time."""

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            values = " ".join(f"{k}={v:.4g}" for k, v in sorted((logs or {}).items()))
            print(f"epoch {epoch + 1}/{total_epochs} {values} "
                  f"({time.perf_counter() - self.started:.1f}s)", flush=True)

    return Progress()


def _fit_code_prior(model, args, x_train):
    """Trains a VQ-VAE's code prior once; a finished one is reloaded from the run folder."""
    import keras

    from zoo import atomic

    path = os.path.join(args.run_dir, PRIOR_FILE.format(epochs=args.epochs,
                                                        prior_epochs=args.prior_epochs))
    if os.path.exists(path):
        print(f"code prior already trained: loading {path}", flush=True)
        return keras.models.load_model(path, safe_mode=True)
    print(f"training the code prior for {args.prior_epochs} epochs", flush=True)
    history = model.fit_prior(x_train, epochs=args.prior_epochs, seed=args.seed)
    print(f"code prior NLL {history['prior_nll'][-1]:.4g} nats per example", flush=True)
    with atomic.atomic_file(path, suffix=".keras") as tmp:
        model.save(tmp)
    return model


def _prepare_run_dir(args, recipe):
    """Returns the epoch to start from and the checkpoint to resume, after checking the folder."""
    run_dir = args.run_dir
    run_file = os.path.join(run_dir, "run.json")
    if args.overwrite and os.path.exists(run_dir):
        if not os.path.exists(run_file) and os.listdir(run_dir):
            raise FileExistsError(f"{run_dir} is not an aezoo run folder (no run.json); "
                                  "refusing to delete it.")
        shutil.rmtree(run_dir)
    if os.path.exists(run_dir) and not os.path.isdir(run_dir):
        raise NotADirectoryError(f"--run-dir must be a folder. Received: {run_dir} (a file)")
    if os.path.exists(run_file):
        with open(run_file) as f:
            saved = json.load(f)["recipe"]
        # A key missing from an older run.json means an off default (0, False, None).
        changed = sorted(k for k in set(saved) | set(recipe)
                         if (saved.get(k) or None) != (recipe.get(k) or None))
        if changed:
            raise ValueError(
                f"{run_dir} holds a different run (differs in {', '.join(changed)}). Use the "
                "same arguments to resume, another --run-dir, or --overwrite to start over."
            )
        return latest_checkpoint(run_dir)
    from zoo import atomic

    os.makedirs(run_dir, exist_ok=True)
    with atomic.atomic_file(run_file, suffix=".json") as tmp, open(tmp, "w") as f:
        json.dump({"recipe": recipe}, f, indent=2)
    return 0, None


def run(args):
    from zoo import atomic, quiet

    if args.run_dir is None:
        args.run_dir = os.path.join("runs", f"{args.variant}_{args.backbone}_{args.data}"
                                    if args.variant != CLASSIFIER else f"classifier_{args.data}")
    parse_options(args.option)
    parse_options(args.train_option)
    target = atomic.check_writable_target(args.out, args.overwrite) if args.out else None
    atomic.check_writable_target(args.run_dir, overwrite=True)
    quiet.import_tensorflow()
    import keras

    import zoo
    from zoo import presets

    _check_args(args)
    if args.variant != CLASSIFIER:
        zoo.registry.variant_class(args.variant)
        zoo.registry.backbone(args.backbone)
    from zoo import distribute

    strategy = distribute.strategy(args.strategy, args.devices.split(",") if args.devices
                                   else None)
    chief, task = _worker(args)
    if not chief:
        # Every worker runs the same steps; only the chief keeps the results.
        args.run_dir = os.path.join(args.run_dir, f"worker-{task}")
        args.out = args.preset = target = None
    if args.precision:
        distribute.set_precision(args.precision)
    if is_path(args.data):
        x_train, input_shape, steps_per_epoch = _streamed(args)
        y_train = x_test = y_test = None
        described = f"{steps_per_epoch} batches streamed from files"
    else:
        x_train, y_train = zoo.datasets.load(args.data, "train",
                                             **parse_options(args.train_option))
        x_test, y_test = zoo.datasets.load(args.data, "test")
        if args.binarize:
            x_train, x_test = zoo.datasets.binarize(x_train), zoo.datasets.binarize(x_test)
        input_shape = x_train.shape[1:]
        steps_per_epoch = math.ceil(len(x_train) / args.batch_size)
        described = f"{len(x_train)} examples{', binarized' if args.binarize else ''}"
    recipe = {key: getattr(args, key) for key in _RECIPE_KEYS}
    start_epoch, checkpoint = _prepare_run_dir(args, recipe)

    if checkpoint is not None and not zipfile.is_zipfile(checkpoint):
        raise ValueError(f"{checkpoint} is not a valid .keras file (truncated or corrupt): "
                         "delete it to resume from an earlier epoch, or start over with "
                         "--overwrite.")
    keras.utils.set_random_seed(args.seed)
    with strategy.scope():
        if checkpoint is not None:
            print(f"resuming from epoch {start_epoch} ({checkpoint})", flush=True)
            model = keras.models.load_model(checkpoint, safe_mode=True)
        else:
            model = _build(args, input_shape, steps_per_epoch)
    if checkpoint is not None:
        if start_epoch > args.epochs:
            raise ValueError(f"{args.run_dir} is already at epoch {start_epoch}, past "
                             f"--epochs {args.epochs}. Received: --epochs {args.epochs}")
        # A resumed run gets a fresh, epoch-dependent seed for shuffling and sampling.
        keras.utils.set_random_seed(args.seed + 1000 * start_epoch)
    name = (CLASSIFIER if args.variant == CLASSIFIER
            else f"{args.variant}/{args.backbone} (latent {args.latent_dim})")
    replicas = (f", {strategy.num_replicas_in_sync} replicas ({args.strategy})"
                if args.strategy != "default" else "")
    print(f"training {name} on {args.data} ({described}{replicas}), "
          f"epochs {start_epoch + 1}..{args.epochs}, run folder {args.run_dir}", flush=True)

    history_path = os.path.join(args.run_dir, "history.json")
    previous = {}
    if start_epoch and os.path.exists(history_path):
        with open(history_path) as f:
            previous = {k: v[:start_epoch] for k, v in json.load(f).items()}
    callbacks = [_checkpoint_callback(args.run_dir, history_path, previous),
                 _progress_callback(args.epochs)]
    if args.kl_warmup:
        callbacks.insert(0, _kl_warmup_callback(model, args.kl_warmup, model.beta))
    if args.codebook_restarts:
        callbacks.insert(0, zoo.callbacks.CodebookRestarts(x_train, seed=args.seed))
    if start_epoch < args.epochs:
        fit_x, fit_y = (x_train, y_train) if args.variant == CLASSIFIER else (x_train, None)
        validation = (x_test, y_test) if args.variant == CLASSIFIER else (x_test,)
        model.fit(fit_x, fit_y, epochs=args.epochs, initial_epoch=start_epoch,
                  batch_size=None if x_test is None else args.batch_size,
                  validation_data=None if x_test is None else validation, verbose=0,
                  callbacks=callbacks)
    else:
        print(f"{args.run_dir} already holds epoch {start_epoch}: nothing to train", flush=True)
    if args.variant == "vae":
        model.kl_weight.assign(model.beta)
    if args.prior_epochs:
        model = _fit_code_prior(model, args, x_train)

    if target:
        with atomic.atomic_file(target, overwrite=True, suffix=".keras") as tmp:
            presets.uncompiled_copy(model).save(tmp)
        print(f"saved {target}")
    if args.preset:
        print(f"measuring {args.preset} on the {args.data} test split", flush=True)
        entry = presets.save_preset(
            args.preset, model,
            variant=args.variant,
            backbone="cnn" if args.variant == CLASSIFIER else args.backbone,
            dataset=args.data, recipe=recipe_command(args),
            preprocessing="binarize" if args.binarize else "none",
            latent_dim=None if args.variant == CLASSIFIER else args.latent_dim,
        )
        metrics = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                            for k, v in entry["metrics"].items())
        print(f"wrote preset {args.preset} ({entry['bytes']} bytes): {metrics}")
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser(
        "train", help="train a variant (or the MNIST classifier) on an embedded dataset",
        description="Train resumably; re-running the same command resumes from the last epoch.")
    p.add_argument("variant", help="variant name (see `aezoo list`) or 'classifier'")
    p.add_argument("--backbone", default="mlp", help="backbone name (default: mlp)")
    p.add_argument("--data", default="mnist5k",
                   help="embedded dataset (default: mnist5k), or files to stream: .npz parts, "
                        "TFRecords or an image folder, e.g. 'data/part-*.npz'")
    p.add_argument("--train-option", action="append", metavar="KEY=VALUE",
                   help="dataset option for the train split only, e.g. stride=1 for ecg_mitdb "
                        "(more training windows; validation and metrics keep the test protocol)")
    p.add_argument("--latent-dim", type=int, default=16, help="latent size (default: 16)")
    p.add_argument("--epochs", type=int, default=10, help="total epochs (default: 10)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument("--lr-schedule", choices=("constant", "cosine"), default="constant")
    p.add_argument("--clipnorm", type=float, default=0.0,
                   help="clip each gradient to this norm (0: off), e.g. for recurrent backbones")
    p.add_argument("--kl-warmup", type=int, default=0, metavar="EPOCHS",
                   help="vae: raise the KL weight linearly to beta over EPOCHS epochs")
    p.add_argument("--codebook-restarts", action="store_true",
                   help="vq_vae: re-seed unused codes with encoder outputs each epoch")
    p.add_argument("--prior-epochs", type=int, default=0, metavar="EPOCHS",
                   help="vq_vae: then train the code prior (for sampling) for EPOCHS epochs")
    p.add_argument("--binarize", action="store_true", help="train and test on x > 0.5")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--strategy", choices=("default", "mirrored", "multiworker"),
                   default="default",
                   help="tf.distribute strategy; multiworker reads TF_CONFIG (default: one device)")
    p.add_argument("--devices", default=None,
                   help="mirrored: comma-separated devices, e.g. /gpu:0,/gpu:1 (default: all GPUs)")
    p.add_argument("--precision", choices=("float32", "mixed_float16", "mixed_bfloat16"),
                   default=None, help="Keras dtype policy (default: float32)")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="variant/backbone option, repeatable, e.g. --option beta=0.5")
    p.add_argument("--run-dir", default=None,
                   help="run folder with checkpoints (default: runs/<variant>_<backbone>_<data>)")
    p.add_argument("--out", default=None, help="also save the final model to this .keras file")
    p.add_argument("--preset", default=None, metavar="NAME",
                   help="measure and write saved_models/NAME/ and its manifest entry")
    p.add_argument("--overwrite", action="store_true",
                   help="start the run folder over and replace an existing --out")
    p.set_defaults(run=run)
