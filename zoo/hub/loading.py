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


def load(name_or_path, verify=True, sha256=None):
    """Loads a preset by name, a `.keras` file, a preset folder, or a preset folder's URL.

    Whatever the source, checksums are compared before Keras reads a byte,
    and deserialization runs with `safe_mode=True`, so a file that needs
    arbitrary Python code (a `Lambda` layer) is refused.

    Args:
        name_or_path: str. One of
            - a name from `list_presets()` (offline; sha256 from the manifest);
            - the path of a `.keras` file (no checksum to check but `sha256=`);
            - a preset folder written by `zoo.save_preset` (every file's sha256
              checked against its `preset.json`);
            - a `file://`, `http://` or `https://` URL of a preset folder:
              downloaded once into `$AEZOO_CACHE` (default `~/.cache/aezoo`),
              verified, then reused offline (see `zoo.hub.remote`).
        verify: bool. Check a named preset's sha256 first. Defaults to `True`
            (folders and URLs are always verified).
        sha256: str or None. Pins what the caller expects: the sha256 of the
            `preset.json` of a folder or URL (which lists every other file's
            sha256), or of the `.keras` file of a name or path. Defaults to
            `None`.

    Returns:
        The model (uncompiled; `compile` it to fine-tune).

    Example:
    >>> m = zoo.load("ae_conv_mnist")
    >>> x, _ = zoo.datasets.load("mnist5k", "test")
    >>> m.reconstruct(x[:8]).shape
    TensorShape([8, 28, 28, 1])
    >>> m = zoo.load("https://example.org/presets/my_ae", sha256="3f0c...")
    """
    from zoo.hub import folder, remote

    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError("load expects a preset name or a path (or a URL). Received: "
                        f"{name_or_path!r}")
    pin = None if sha256 is None else folder.check_sha256(sha256)
    name = os.fspath(name_or_path)
    if "://" in name:  # a URL; other schemes than file and http(s) are refused there
        return remote.load_url(name, sha256=pin)
    root = saved_models_dir()
    presets = read_manifest(root)["presets"]
    if name in presets:
        entry = presets[name]
        path = os.path.join(root, entry["file"])
        if not os.path.exists(path):
            raise FileNotFoundError(f"Preset {name!r} is listed but its file is missing: {path}")
        if verify or pin:
            actual = sha256_file(path)
            manifest = entry["sha256"] if verify else None
            for expected, against in ((manifest, "the manifest"), (pin, "the pin")):
                if expected is not None and actual != expected:
                    raise ValueError(
                        f"Refusing to load {path}: its sha256 differs from {against} "
                        f"(expected {expected}, received {actual}). The file is corrupt "
                        "or was modified."
                    )
        return deserialize(path)
    if folder.is_preset_folder(name):
        return folder.load_folder(name, sha256=pin)
    if os.path.isdir(name) and not name.endswith(".keras"):
        raise ValueError(f"{name} is not a preset folder: expected {folder.PRESET_FILE} in it "
                         "(or pass a .keras file).")
    if name.endswith(".keras") or os.path.sep in name:
        if not os.path.isfile(name):
            raise FileNotFoundError(f"No such .keras file. Received: {name}")
        if pin is not None and (actual := sha256_file(name)) != pin:
            raise ValueError(f"Refusing to load {name}: its sha256 differs from the pin "
                             f"(expected {pin}, received {actual}).")
        return deserialize(name)
    raise unknown_preset(name)
