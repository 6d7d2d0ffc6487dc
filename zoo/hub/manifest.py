"""The presets manifest: `saved_models/manifest.json`, names, entries and sha256.

Example:
>>> import zoo
>>> zoo.list_presets()
['ae_conv_mnist', 'ae_mlp_mnist', ...]
>>> zoo.preset_info("ae_conv_mnist")["metrics"]["mse"]
0.0104
"""

import fcntl
import hashlib
import json
import os
import tempfile

from zoo import atomic

MANIFEST_NAME = "manifest.json"
MODEL_FILE = "model.keras"
CARD_FILE = "card.md"
FIGURE_FILE = "figure.png"
MAX_FILE_BYTES = 5_000_000
_CHUNK = 1 << 20


SAVED_MODELS_ENV = "AEZOO_SAVED_MODELS"


def _checkout_saved_models():
    """The repository's `saved_models/` beside `zoo/`, or None when installed from a wheel."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    checkout = os.path.join(os.path.dirname(package), "saved_models")
    return checkout if os.path.isfile(os.path.join(checkout, MANIFEST_NAME)) else None


def saved_models_dir():
    """Returns the folder holding `manifest.json` that presets are read from.

    `$AEZOO_SAVED_MODELS` if set; else the repository's `saved_models/` (a
    source checkout, the source of truth); else the copy the wheel ships
    inside the package (`zoo/saved_models/`).
    """
    if os.environ.get(SAVED_MODELS_ENV):
        return os.environ[SAVED_MODELS_ENV]
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return _checkout_saved_models() or os.path.join(package, "saved_models")


def writable_saved_models_dir():
    """Returns where new presets are written: `$AEZOO_SAVED_MODELS` or the repository's.

    Never the copy inside an installed package (site-packages): from a wheel,
    without a checkout, `$AEZOO_SAVED_MODELS` must name the folder.
    """
    if os.environ.get(SAVED_MODELS_ENV):
        return os.environ[SAVED_MODELS_ENV]
    checkout = _checkout_saved_models()
    if checkout is None:
        raise ValueError("Writing a preset needs the repository's saved_models/ or "
                         f"${SAVED_MODELS_ENV}: this aezoo is installed from a wheel, and "
                         "presets are never written into site-packages. Received: "
                         f"{SAVED_MODELS_ENV} unset")
    return checkout


def sha256_file(path):
    """Returns the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(root=None):
    """Returns the manifest dict `{"presets": {name: entry}}`; empty if there is none."""
    path = os.path.join(root or saved_models_dir(), MANIFEST_NAME)
    if not os.path.exists(path):
        return {"format": 1, "presets": {}}
    with open(path) as f:
        try:
            manifest = json.load(f)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON ({error}): restore the presets "
                             "manifest.") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("presets"), dict):
        raise ValueError(f"{path} lists no presets: expected {{\"presets\": {{name: entry}}}}. "
                         f"Received: {type(manifest).__name__}")
    return manifest


def list_presets():
    """Returns the sorted names of the presets in `saved_models/manifest.json`.

    Example:
    >>> zoo.list_presets()
    ['ae_conv_mnist', 'ae_mlp_mnist', 'vae_conv_mnist', 'vae_mlp_mnist']
    """
    return sorted(read_manifest()["presets"])


def unknown_preset(name):
    return ValueError(
        f"Unknown preset. Expected one of {list_presets()}, a path to a .keras file or a "
        f"preset folder, or a file:// or http(s):// URL of a preset folder. Received: {name!r}"
    )


def preset_info(name):
    """Returns a preset's manifest entry: data, recipe and measured metrics.

    Args:
        name: str. A name from `list_presets()`.

    Returns:
        A dict with `file`, `sha256`, `variant`, `backbone`, `input_shape`,
        `dataset`, `split`, `preprocessing`, `recipe` (the `aezoo train`
        command line), `metrics` (measured on the test split) and `card`.

    Example:
    >>> zoo.preset_info("vae_conv_mnist")["metrics"]["test_iw_nll"]
    """
    presets = read_manifest()["presets"]
    if not isinstance(name, str) or name not in presets:
        raise unknown_preset(name)
    return {"name": name, **json.loads(json.dumps(presets[name]))}


def update_manifest(name, entry, root=None):
    """Sets one preset's entry in `manifest.json`: locked read-modify-write, atomic replace.

    Args:
        name: str. Preset name.
        entry: dict or None. The entry; None removes the preset.
        root: str or None. Folder of `manifest.json`. Defaults to `saved_models_dir()`.
    """
    root = root or saved_models_dir()
    os.makedirs(root, exist_ok=True)
    # Two trainings finishing together must not drop each other's entry.
    key = hashlib.sha256(os.path.abspath(root).encode()).hexdigest()[:16]
    with open(os.path.join(tempfile.gettempdir(), f"aezoo-manifest-{key}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = read_manifest(root)
        if entry is None:
            manifest["presets"].pop(name, None)
        else:
            manifest["presets"][name] = entry
        manifest["presets"] = dict(sorted(manifest["presets"].items()))
        with atomic.atomic_file(os.path.join(root, MANIFEST_NAME), suffix=".json") as tmp:
            with open(tmp, "w") as f:
                json.dump(manifest, f, indent=2)
                f.write("\n")
