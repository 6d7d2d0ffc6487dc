"""Loading presets and `.keras` files: sha256 first, then Keras with `safe_mode=True`.

Example:
>>> m = zoo.load("ae_conv_mnist")
"""

import os
import zipfile

from zoo import compat, quiet
from zoo.hub.manifest import read_manifest, saved_models_dir, sha256_file, unknown_preset


def deserialize(path):
    quiet.import_tensorflow()
    import keras

    from zoo.models import registry

    registry.list_models()  # registers every variant class before deserializing
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path} is not a valid .keras file: not a zip archive (truncated, "
                         "empty or another format).")
    try:
        return keras.models.load_model(path, compile=False, safe_mode=True)
    except ValueError as error:
        text = str(error)
        if compat.unsafe_deserialization_refused(error):
            raise ValueError(
                f"Refusing to load {path}: it needs unsafe deserialization (e.g. a Lambda "
                "layer holding Python code), and aezoo loads with safe_mode=True only."
            ) from None
        if compat.saved_state_mismatch(error):
            details = " ".join(line.strip() for line in text.splitlines()[1:] if line.strip())
            raise ValueError(
                f"Cannot load {path}: its saved state no longer matches the aezoo code (the "
                f"model class changed since it was saved; retrain it with its recipe). "
                f"Details: {details}"
            ) from None
        raise ValueError(f"{path} is not a valid .keras file: {_first_line(error)}") from None
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as error:
        # Keras reads the archive lazily: a damaged entry surfaces as a zip or h5 error.
        raise ValueError(f"{path} is not a valid .keras file (corrupt archive): "
                         f"{_first_line(error)}") from None


def _first_line(error):
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def load(name_or_path, verify=True):
    """Loads a preset by name (offline, sha256-verified) or a `.keras` file by path.

    The file's sha256 is compared with the manifest before anything is
    deserialized, and deserialization runs with `safe_mode=True`, so a file
    that needs arbitrary Python code (a `Lambda` layer) is refused.

    Args:
        name_or_path: str. A name from `list_presets()`, or the path of a
            `.keras` file (loaded with `safe_mode=True`; no checksum to check).
        verify: bool. Check the preset's sha256 first. Defaults to `True`.

    Returns:
        The model (uncompiled; `compile` it to fine-tune).

    Example:
    >>> m = zoo.load("ae_conv_mnist")
    >>> x, _ = zoo.datasets.load("mnist5k", "test")
    >>> m.reconstruct(x[:8]).shape
    TensorShape([8, 28, 28, 1])
    """
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(f"load expects a preset name or a path. Received: {name_or_path!r}")
    root = saved_models_dir()
    presets = read_manifest(root)["presets"]
    name = os.fspath(name_or_path)
    if name in presets:
        entry = presets[name]
        path = os.path.join(root, entry["file"])
        if not os.path.exists(path):
            raise FileNotFoundError(f"Preset {name!r} is listed but its file is missing: {path}")
        if verify:
            actual = sha256_file(path)
            if actual != entry["sha256"]:
                raise ValueError(
                    f"Refusing to load {path}: its sha256 differs from the manifest "
                    f"(expected {entry['sha256']}, received {actual}). The file is corrupt "
                    "or was modified."
                )
        return deserialize(path)
    if name.endswith(".keras") or os.path.sep in name:
        if not os.path.isfile(name):
            raise FileNotFoundError(f"No such .keras file. Received: {name}")
        return deserialize(name)
    raise unknown_preset(name)
