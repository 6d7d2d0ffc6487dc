"""Writing presets: measure a trained model, then its folder, card and manifest entry.

Example:
>>> from zoo import hub
>>> hub.write_preset("my_ae", model, variant="ae", backbone="conv", dataset="mnist5k",
...                  recipe="aezoo train ae --backbone conv ...")
"""

import datetime
import os
import re

from zoo import atomic, datasets, evaluation, models
from zoo.hub import cards
from zoo.hub.manifest import (
    CARD_FILE,
    FIGURE_FILE,
    MAX_FILE_BYTES,
    MODEL_FILE,
    sha256_file,
    update_manifest,
    writable_saved_models_dir,
)


def uncompiled_copy(model):
    """Returns a copy of `model` with the same weights and no optimizer state."""
    # `keras.models.clone_model` would compile the copy again (optimizer included).
    clone = type(model).from_config(model.get_config())
    clone.set_weights(model.get_weights())
    return clone


def write_preset(name, model, variant, backbone, dataset, recipe, preprocessing="none",
                latent_dim=None, root=None):
    """Measures `model` and writes `saved_models/<name>/` plus its manifest entry.

    Writes `model.keras` (weights without optimizer state), `figure.png` and
    `card.md` into a temporary folder that replaces `<name>/` at the end, then
    rewrites `manifest.json` atomically.

    Args:
        name: str. Preset name (letters, digits, `_`).
        model: the trained model.
        variant: str. A name the trainer knows (`zoo.models.registry`).
        backbone: str. Backbone name (`"cnn"` for the classifier).
        dataset: str. Embedded dataset the model was trained on.
        recipe: str. The `aezoo train ...` command line that reproduces it.
        preprocessing: str. `"none"` or `"binarize"`. Defaults to `"none"`.
        latent_dim: int or None. Latent size (PCA baseline components).
        root: str or None. Folder of `manifest.json`. Defaults to
            `writable_saved_models_dir()` (the repository's or
            `$AEZOO_SAVED_MODELS`, never site-packages).

    Returns:
        The manifest entry (a dict).
    """
    if not re.fullmatch(r"[a-z0-9_]+", name or ""):
        raise ValueError(f"Preset names use lowercase letters, digits and '_'. Received: {name!r}")
    root = root or writable_saved_models_dir()
    metrics = evaluation.measure(model, dataset, preprocessing)
    kind = cards.figure_kind(model, dataset)
    x_test, y_test = datasets.load(dataset, "test")
    x_test = datasets.preprocessed(x_test, preprocessing)
    model_file = f"{name}/{MODEL_FILE}"
    entry = {
        "file": model_file,
        "sha256": None,
        "bytes": None,
        "variant": variant,
        "backbone": backbone,
        "input_shape": list(x_test.shape[1:]),
        "latent_dim": latent_dim,
        # The learned prior `sample` draws through (DESIGN §12), None without one.
        "prior": None if models.has_capability(model, "classifies") else model.prior_kind,
        "task": kind,
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
        cards.draw_figure(os.path.join(tmp, FIGURE_FILE), model, kind, x_test, y_test, name)
        with open(os.path.join(tmp, CARD_FILE), "w") as f:
            f.write(cards.card_text(name, entry,
                                    cards.description(model, variant, backbone, dataset)))
    update_manifest(name, entry, root)
    return entry
