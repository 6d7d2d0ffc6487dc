"""Hub: pretrained presets — the manifest and checksums, loading, cards, writing.

`saved_models/manifest.json` lists each preset (file, sha256, variant,
backbone, data, the exact recipe, measured metrics). `load` verifies a
file's sha256 before Keras reads a byte and deserializes with
`safe_mode=True`. `write_preset` measures a trained model with
`zoo.evaluation.measure` and writes its folder, card and manifest entry.
`save_preset` writes a self-contained preset folder (`zoo.hub.folder`) that
`load` takes as a path or, served anywhere, as a `file://` or `http(s)://`
URL: downloaded once into `$AEZOO_CACHE`, verified, reused offline
(`zoo.hub.remote`).

Example:
>>> import zoo
>>> zoo.list_presets()
['ae_conv_ecg', 'ae_conv_mnist', ...]
>>> m = zoo.load("ae_conv_mnist")
"""

from zoo.hub.folder import read_preset, save_preset
from zoo.hub.loading import deserialize, load
from zoo.hub.manifest import (
    CARD_FILE,
    FIGURE_FILE,
    MANIFEST_NAME,
    MAX_FILE_BYTES,
    MODEL_FILE,
    list_presets,
    preset_info,
    read_manifest,
    saved_models_dir,
    sha256_file,
    update_manifest,
    writable_saved_models_dir,
)
from zoo.hub.writing import uncompiled_copy, write_preset

__all__ = [
    "CARD_FILE", "FIGURE_FILE", "MANIFEST_NAME", "MAX_FILE_BYTES", "MODEL_FILE", "deserialize",
    "list_presets", "load", "preset_info", "read_manifest", "read_preset", "save_preset",
    "saved_models_dir", "sha256_file",
    "uncompiled_copy", "update_manifest", "writable_saved_models_dir", "write_preset",
]
