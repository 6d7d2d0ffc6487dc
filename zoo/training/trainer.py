"""`train(recipe)`: the one resumable trainer that the CLI, preset recipes and applications call.

Each run lives in a run folder (`zoo.training.run_folder`). Re-running the
same recipe after a kill resumes from the last complete checkpoint and says
so. With `preset=NAME` the trained model is measured
(`zoo.evaluation.measure`) and written to `saved_models/NAME/` with its card
and manifest entry (`zoo.hub.write_preset`).

Example:
>>> from zoo.training import Recipe, train
>>> model = train(Recipe("ae", backbone="conv", latent_dim=16, epochs=5),
...               run_dir="runs/ae_conv")
"""

import json
import math
import os

import keras

from zoo import atomic, datasets, hub
from zoo.training import callbacks as zoo_callbacks
from zoo.training import distribute, run_folder
from zoo.training.recipe import is_path

# The prior belongs to one trained model: its file names its kind and both epoch counts.
PRIOR_FILE = "prior_{kind}_after_{epochs}_epochs_{prior_epochs}.keras"


def default_run_dir(recipe):
    """Returns `runs/<variant>_<backbone>_<data>` (`runs/<kind>_<data>` without a backbone)."""
    if recipe.kind.uses_backbone:
        return os.path.join("runs", f"{recipe.variant}_{recipe.backbone}_{recipe.data}")
    return os.path.join("runs", f"{recipe.variant}_{recipe.data}")


def worker_role(strategy_name):
    """Returns `(is_chief, task index)` of this process under the multiworker strategy."""
    if strategy_name != "multiworker":
        return True, 0
    task = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {})
    index = int(task.get("index", 0))
    chief = task.get("type", "worker") == "chief" or (task.get("type") == "worker"
                                                       and index == 0)
    return chief, index


def _training_data(recipe):
    """Returns `(x_train, y_train, x_test, y_test, input_shape, steps_per_epoch, described)`."""
    if is_path(recipe.data):
        import tensorflow as tf

        dataset = datasets.from_files(recipe.data, batch_size=recipe.batch_size, shuffle=True,
                                      seed=recipe.seed)
        if recipe.binarize:
            dataset = dataset.map(lambda batch: tf.cast(batch > 0.5, tf.float32))
        steps = int(dataset.cardinality())
        return (dataset, None, None, None, tuple(dataset.element_spec.shape[1:]), steps,
                f"{steps} batches streamed from files")
    x_train, y_train = datasets.load(recipe.data, "train", **recipe.train_options)
    x_test, y_test = datasets.load(recipe.data, "test")
    preprocessing = "binarize" if recipe.binarize else "none"
    x_train = datasets.preprocessed(x_train, preprocessing)
    x_test = datasets.preprocessed(x_test, preprocessing)
    described = f"{len(x_train)} examples{', binarized' if recipe.binarize else ''}"
    return (x_train, y_train, x_test, y_test, x_train.shape[1:],
            math.ceil(len(x_train) / recipe.batch_size), described)


def optimizer(recipe, steps_per_epoch):
    """Returns the recipe's Adam optimizer (cosine decay to 5% over the run when asked)."""
    rate = recipe.learning_rate
    if recipe.lr_schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(
            recipe.learning_rate, steps_per_epoch * recipe.epochs, alpha=0.05)
    return keras.optimizers.Adam(rate, clipnorm=recipe.clipnorm or None)


def _fitting_callbacks(recipe, model, run_dir, start_epoch, steps_per_epoch, x_train):
    callbacks = [run_folder.RunCheckpoint(run_dir, run_folder.read_history(run_dir, start_epoch)),
                 zoo_callbacks.EpochProgress(recipe.epochs)]
    if recipe.kl_warmup:
        annealing = zoo_callbacks.KLAnnealing("linear",
                                              warmup_steps=recipe.kl_warmup * steps_per_epoch)
        annealing.step = start_epoch * steps_per_epoch
        callbacks.insert(0, annealing)
    if recipe.codebook_restarts:
        callbacks.insert(0, zoo_callbacks.CodebookRestarts(x_train, seed=recipe.seed))
    return callbacks


def _fit_prior(model, recipe, run_dir, x_train):
    """Fits a model's learned prior once; a finished one is reloaded from the run folder."""
    from zoo.training.recipe import parse_options

    kind = recipe.prior or model.prior_kind
    options = "".join(f"_{pair}" for pair in sorted(recipe.prior_option or ()))
    path = os.path.join(run_dir, PRIOR_FILE.format(kind=kind + options, epochs=recipe.epochs,
                                                   prior_epochs=recipe.prior_epochs))
    if os.path.exists(path):
        print(f"{kind} prior already trained: loading {path}", flush=True)
        return keras.models.load_model(path, safe_mode=True)
    print(f"training the {kind} prior for {recipe.prior_epochs} epochs", flush=True)
    history = model.fit_prior(x_train, kind=kind, epochs=recipe.prior_epochs, seed=recipe.seed,
                              **parse_options(recipe.prior_option))
    name, value = next(iter(history.items()))
    print(f"{kind} prior {name} {value[-1]:.4g} per example", flush=True)
    with atomic.atomic_file(path, suffix=".keras") as tmp:
        model.save(tmp)
    return model


def train(recipe, run_dir=None, out=None, preset=None, overwrite=False, strategy="default",
          devices=None, arrays=None, validation_data=None, verbose=True):
    """Trains a recipe resumably; returns the trained model.

    Args:
        recipe: `zoo.training.Recipe`.
        run_dir: str or None. Run folder. Defaults to `default_run_dir(recipe)`.
        out: str or None. Also save the final model (no optimizer state) here.
        preset: str or None. Measure the model and write `saved_models/NAME/`.
        overwrite: bool. Start the run folder over and replace `out`.
        strategy: str. `"default"`, `"mirrored"` or `"multiworker"` (reads
            TF_CONFIG; non-chief workers write to `<run_dir>/worker-N` only).
        devices: list of str or None. Devices of the mirrored strategy.
        arrays: tuple `(x, y)` or None. In-memory training data instead of
            `recipe.data` (which then only labels the run); `y` is the target
            (None: `x` itself). For runs that must not be resumed with other
            data, give each its own `run_dir`.
        validation_data: tuple or None. With `arrays`: passed to `fit`.
        verbose: bool. Print the start line and one line per epoch.

    Returns:
        The trained model (compiled, optimizer state included).

    Example:
    >>> model = train(Recipe("vae", backbone="conv", epochs=40, binarize=True, kl_warmup=10))
    """
    recipe.check()
    if preset and (arrays is not None or is_path(recipe.data)):
        raise ValueError("--preset (like supervised models, --codebook-restarts and "
                         "--prior-epochs) needs an embedded dataset: it measures the model on "
                         "the test split. Streamed files and in-memory arrays have none; "
                         "save with --out and publish the model instead. "
                         f"Received: --data {recipe.data}")
    run_dir = run_dir or default_run_dir(recipe)
    target = atomic.check_writable_target(out, overwrite) if out else None
    atomic.check_writable_target(run_dir, overwrite=True)
    if preset:  # fail before training, not after: never into site-packages
        atomic.check_writable_target(hub.writable_saved_models_dir(), overwrite=True)
    kind = recipe.kind
    tf_strategy = distribute.strategy(strategy, devices)
    chief, task = worker_role(strategy)
    if not chief:
        # Every worker runs the same steps; only the chief keeps the results.
        run_dir = os.path.join(run_dir, f"worker-{task}")
        target = preset = None
    if recipe.precision:
        distribute.set_precision(recipe.precision)
    if arrays is None:
        x_train, y_train, x_test, y_test, input_shape, steps_per_epoch, described = \
            _training_data(recipe)
        validation_data = None if x_test is None else (
            (x_test, y_test) if kind.supervised else (x_test,))
        y_train = y_train if kind.supervised else None
    else:
        x_train, y_train = arrays
        input_shape, described = x_train.shape[1:], f"{len(x_train)} examples in memory"
        steps_per_epoch = math.ceil(len(x_train) / recipe.batch_size)
    start_epoch, checkpoint = run_folder.prepare(run_dir, recipe.run_key(), overwrite)
    keras.utils.set_random_seed(recipe.seed)
    with tf_strategy.scope():
        if checkpoint is not None:
            print(f"resuming from epoch {start_epoch} ({checkpoint})", flush=True)
            model = keras.models.load_model(checkpoint, safe_mode=True)
        else:
            model = kind.build(input_shape, recipe.latent_dim, recipe.backbone, recipe.options)
            kind.compile(model, optimizer(recipe, steps_per_epoch))
    if checkpoint is not None:
        if start_epoch > recipe.epochs:
            raise ValueError(f"{run_dir} is already at epoch {start_epoch}, past "
                             f"--epochs {recipe.epochs}. Received: --epochs {recipe.epochs}")
        # A resumed run gets a fresh, epoch-dependent seed for shuffling and sampling.
        keras.utils.set_random_seed(recipe.seed + 1000 * start_epoch)
    name = (f"{recipe.variant}/{recipe.backbone} (latent {recipe.latent_dim})"
            if kind.uses_backbone else recipe.variant)
    replicas = (f", {tf_strategy.num_replicas_in_sync} replicas ({strategy})"
                if strategy != "default" else "")
    say = print if verbose else (lambda *args, **kwargs: None)
    say(f"training {name} on {recipe.data} ({described}{replicas}), "
        f"epochs {start_epoch + 1}..{recipe.epochs}, run folder {run_dir}", flush=True)
    if start_epoch < recipe.epochs:
        streamed = not hasattr(x_train, "shape")
        callbacks = _fitting_callbacks(recipe, model, run_dir, start_epoch, steps_per_epoch,
                                       x_train)
        if not verbose:
            callbacks = [c for c in callbacks if not isinstance(c, zoo_callbacks.EpochProgress)]
        model.fit(x_train, y_train, epochs=recipe.epochs, initial_epoch=start_epoch,
                  batch_size=None if streamed else recipe.batch_size,
                  validation_data=validation_data, verbose=0, callbacks=callbacks)
    else:
        say(f"{run_dir} already holds epoch {start_epoch}: nothing to train", flush=True)
    if recipe.kl_warmup:
        model.kl_weight.assign(model.beta)
    if recipe.prior_epochs:
        model = _fit_prior(model, recipe, run_dir, x_train)
    if target:
        with atomic.atomic_file(target, overwrite=True, suffix=".keras") as tmp:
            hub.uncompiled_copy(model).save(tmp)
        print(f"saved {target}")
    if preset:
        print(f"measuring {preset} on the {recipe.data} test split", flush=True)
        entry = hub.write_preset(
            preset, model, variant=recipe.variant,
            backbone=recipe.backbone if kind.uses_backbone else kind.backbone_label,
            dataset=recipe.data, recipe=recipe.command(preset),
            preprocessing="binarize" if recipe.binarize else "none",
            latent_dim=recipe.latent_dim if kind.uses_backbone else None)
        metrics = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                            for k, v in entry["metrics"].items())
        print(f"wrote preset {preset} ({entry['bytes']} bytes): {metrics}")
    return model
