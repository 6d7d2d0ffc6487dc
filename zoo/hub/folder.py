"""The preset folder: a self-contained, checksummed model you can copy, serve or publish.

A preset folder holds

- `model.keras`: the model, without optimizer state (loaded with `safe_mode=True`);
- `preset.json`: name, variant, backbone, input and latent shapes, the sha256
  and size of every other file, the recipe where known and metrics when measured;
- `card.md`: the human model card;
- `figure.png`: what the model does, on real data where there is some.

`preset.json` is the root of trust: it lists every file with its sha256, so
the sha256 of `preset.json` itself pins the whole folder (`zoo.load(url,
sha256=...)`). File names in it are plain names: no folders, no `..`, no
absolute paths. The layout follows keras-hub's preset folders (metadata in
JSON beside the weights) with timm's habit of naming what was trained on what.

Example:
>>> info = zoo.save_preset(model, "my_preset", name="my_ae")
>>> info["sha256"]                     # sha256 of my_preset/preset.json
>>> m = zoo.load("my_preset")          # verified, then loaded with safe_mode
"""

import datetime
import hashlib
import json
import os
import re
import shutil

from zoo.hub.manifest import sha256_file

PRESET_FILE = "preset.json"
MODEL_FILE = "model.keras"
CARD_FILE = "card.md"
FIGURE_FILE = "figure.png"
FORMAT = "aezoo-preset"
FORMAT_VERSION = 1
# preset.json is metadata: a few kilobytes. Anything larger is not one.
MAX_PRESET_JSON_BYTES = 1 << 20
# The largest file a preset may list (checked before anything is downloaded).
MAX_FILE_BYTES = 1 << 30
REQUIRED_FIELDS = {
    "format": str,
    "format_version": int,
    "name": str,
    "variant": str,
    "backbone": str,
    "input_shape": list,
    "latent_shape": (list, type(None)),
    "files": dict,
}
OPTIONAL_FIELDS = {
    "dataset": (str, type(None)),
    "preprocessing": (str, type(None)),
    "recipe": (str, type(None)),
    "metrics": dict,
    "parameters": (int, type(None)),
    "versions": dict,
    "created_at": str,
}
_NAME = re.compile(r"[a-z0-9][a-z0-9_]*")
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sha256_bytes(data):
    """Returns the hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def check_sha256(value, what="sha256"):
    """Returns `value` lowercased if it is 64 hex digits, else raises ValueError."""
    if not isinstance(value, str) or not _SHA256.fullmatch(value.lower()):
        raise ValueError(f"`{what}` must be 64 hexadecimal digits (a sha256). "
                         f"Received: {what}={value!r}")
    return value.lower()


def check_file_name(name, source="preset.json"):
    """Returns `name` if it is a plain file name; refuses folders, `..` and absolute paths.

    Args:
        name: the file name listed in a preset.json.
        source: str. Where it was read, for the message.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"{source} lists a file whose name is not a non-empty string. "
                         f"Received: {name!r}")
    if os.path.isabs(name) or name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        raise ValueError(f"{source} lists an absolute path; preset files must be plain names "
                         f"inside the folder. Received: {name!r}")
    if ".." in name.replace("\\", "/").split("/") or name in (".", ".."):
        raise ValueError(f"{source} lists a file name with '..'; preset files must be plain "
                         f"names inside the folder. Received: {name!r}")
    if not _FILE_NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"{source} lists a file name that is not a plain name (letters, "
                         f"digits, '_', '-', '.'; no folders). Received: {name!r}")
    return name


def check_name(name):
    """Returns `name` if it is a valid preset name (lowercase letters, digits, `_`)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError("A preset name uses lowercase letters, digits and '_' (starting with "
                         f"a letter or digit). Received: name={name!r}")
    return name


def _type_names(types):
    types = types if isinstance(types, tuple) else (types,)
    return " or ".join("null" if t is type(None) else t.__name__ for t in types)


def parse_preset(data, source=PRESET_FILE):
    """Parses and checks the text of a `preset.json`.

    Args:
        data: bytes, str or dict. The file's content.
        source: str. Where it was read (a path or URL), for messages.

    Returns:
        The preset dict, with every required field present and well typed and
        every listed file a plain name with a sha256 and a size.

    Raises:
        ValueError: naming the field or file and what was received.
    """
    if isinstance(data, (bytes, bytearray)):
        if len(data) > MAX_PRESET_JSON_BYTES:
            raise ValueError(f"{source} is {len(data)} bytes; a preset.json is metadata of at "
                             f"most {MAX_PRESET_JSON_BYTES} bytes.")
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{source} is not UTF-8 text: expected a preset.json.") from None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as error:
            raise ValueError(f"{source} is not valid JSON ({error}): expected a preset.json."
                             ) from None
    if not isinstance(data, dict):
        raise ValueError(f"{source} must hold a JSON object. Received: {type(data).__name__}")
    missing = [field for field in REQUIRED_FIELDS if field not in data]
    if missing:
        raise ValueError(f"{source} lacks required fields {missing}. Expected: "
                         f"{sorted(REQUIRED_FIELDS)}. Received: {sorted(data)}")
    for field, types in {**REQUIRED_FIELDS, **OPTIONAL_FIELDS}.items():
        if field in data and (not isinstance(data[field], types)
                              or isinstance(data[field], bool)):
            raise ValueError(f"{source}: field `{field}` must be {_type_names(types)}. "
                             f"Received: {field}={data[field]!r}")
    if data["format"] != FORMAT:
        raise ValueError(f"{source} is not an aezoo preset: expected format={FORMAT!r}. "
                         f"Received: format={data['format']!r}")
    if data["format_version"] > FORMAT_VERSION:
        raise ValueError(f"{source} uses preset format version {data['format_version']}; this "
                         f"aezoo reads up to version {FORMAT_VERSION}: upgrade aezoo.")
    check_name(data["name"])
    for field in ("input_shape", "latent_shape"):
        shape = data[field]
        if shape is not None and not all(isinstance(d, int) and not isinstance(d, bool)
                                         and d > 0 for d in shape):
            raise ValueError(f"{source}: `{field}` must list positive integers. "
                             f"Received: {field}={shape!r}")
    files = data["files"]
    if MODEL_FILE not in files:
        raise ValueError(f"{source} does not list {MODEL_FILE} in `files`. "
                         f"Received: files={sorted(files)}")
    for name, entry in files.items():
        check_file_name(name, source)
        if name == PRESET_FILE:
            raise ValueError(f"{source} lists itself in `files`; preset.json is the list. "
                             f"Received: {name!r}")
        if not isinstance(entry, dict) or set(entry) < {"sha256", "bytes"}:
            raise ValueError(f"{source}: files[{name!r}] must be {{\"sha256\": ..., "
                             f"\"bytes\": ...}}. Received: {entry!r}")
        try:
            check_sha256(entry["sha256"], f"files[{name!r}].sha256")
        except ValueError as error:
            raise ValueError(f"{source}: {error}") from None
        size = entry["bytes"]
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_FILE_BYTES:
            raise ValueError(f"{source}: files[{name!r}].bytes must be an integer in "
                             f"[0, {MAX_FILE_BYTES}]. Received: {size!r}")
    return data


def verify_file(path, entry, label):
    """Checks one file's size and sha256 against its preset.json entry (ValueError if not)."""
    if not os.path.isfile(path):
        raise ValueError(f"{label} is missing: the preset lists it. Received: no file at {path}")
    size = os.path.getsize(path)
    if size != entry["bytes"]:
        raise ValueError(f"{label} has {size} bytes; preset.json lists {entry['bytes']} "
                         "(file truncated or changed).")
    actual = sha256_file(path)
    if actual != entry["sha256"]:
        raise ValueError(f"Refusing {label}: its sha256 differs from preset.json (expected "
                         f"{entry['sha256']}, received {actual}). The file is corrupt or was "
                         "modified.")


def is_preset_folder(path):
    """True when `path` is a folder holding a `preset.json`."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, PRESET_FILE))


def read_preset(folder, verify=True, sha256=None):
    """Reads a preset folder's `preset.json`, checking it and (by default) every file.

    Args:
        folder: str. A preset folder.
        verify: bool. Check the size and sha256 of every listed file.
            Defaults to `True`.
        sha256: str or None. Expected sha256 of `preset.json` itself (pins
            the whole folder). Defaults to `None`.

    Returns:
        The preset dict, with `"sha256"` (of preset.json) and `"folder"` added.
    """
    folder = os.path.abspath(os.fspath(folder))
    path = os.path.join(folder, PRESET_FILE)
    if not os.path.isfile(path):
        raise ValueError(f"{folder} is not a preset folder: expected {PRESET_FILE} in it.")
    with open(path, "rb") as f:
        data = f.read(MAX_PRESET_JSON_BYTES + 1)
    digest = sha256_bytes(data)
    if sha256 is not None and digest != check_sha256(sha256):
        raise ValueError(f"Refusing {path}: its sha256 differs from the one pinned (expected "
                         f"{sha256.lower()}, received {digest}).")
    preset = parse_preset(data, path)
    if verify:
        for name, entry in preset["files"].items():
            verify_file(os.path.join(folder, name), entry, os.path.join(folder, name))
    return {**preset, "sha256": digest, "folder": folder}


# ------------------------------------------------------------ writing


def _describe(model, variant, backbone):
    """`(variant, backbone, input_shape, latent_shape)` of an aezoo model or a Keras model."""
    from zoo.models.base import Autoencoder

    if isinstance(model, Autoencoder):
        latent = model.latent_shape() if callable(getattr(model, "latent_shape", None)) else None
        return (variant or model.variant_name, backbone or model.backbone,
                [int(d) for d in model.data_shape],
                [int(d) for d in latent] if latent is not None else None)
    if variant is None or backbone is None:
        raise ValueError("save_preset needs `variant=` and `backbone=` for a model that is not "
                         f"an aezoo autoencoder. Received: {type(model).__name__} with "
                         f"variant={variant!r}, backbone={backbone!r}")
    input_shape = [int(d) for d in model.input_shape[1:]]
    output_shape = model.output_shape
    latent = [int(d) for d in output_shape[1:]] if isinstance(output_shape, tuple) else None
    return variant, backbone, input_shape, latent


def _format(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def render_card(preset, description=None):
    """Returns the `card.md` text of a preset dict (without the files table)."""
    name = preset["name"]
    lines = [f"# {name}", "",
             description or f"A `{preset['variant']}` on the `{preset['backbone']}` backbone"
             + (f", trained on `{preset['dataset']}`." if preset.get("dataset") else "."),
             "", "```python", "import zoo", "",
             f'model = zoo.load("{name}")           # a shipped preset, or',
             'model = zoo.load("path/to/this/folder")  # or its https:// URL', "```", "",
             "| field | value |", "|---|---|"]
    for key in ("variant", "backbone", "input_shape", "latent_shape", "dataset",
                "preprocessing", "parameters", "created_at"):
        if preset.get(key) is not None:
            lines.append(f"| {key} | `{preset[key]}` |")
    lines += ["", "## Recipe", ""]
    lines += (["```", preset["recipe"], "```"] if preset.get("recipe")
              else ["Not recorded: this model was saved with `zoo.save_preset` outside a "
                    "recipe."])
    lines += ["", "## Metrics", ""]
    if preset.get("metrics"):
        lines += ["| metric | value |", "|---|---|"]
        lines += [f"| {k} | {_format(v)} |" for k, v in preset["metrics"].items()]
    else:
        lines.append("Not measured.")
    lines += ["", "The sha256 and size of every file are in `preset.json`; `zoo.load` checks "
              "them before Keras reads a byte.", "", f"![{name}]({FIGURE_FILE})", ""]
    return "\n".join(lines)


def _versions():
    import importlib.metadata

    found = {}
    for package in ("aezoo", "keras", "tensorflow"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = None
    return found


def save_preset(model, folder, name=None, *, variant=None, backbone=None, recipe=None,
                metrics=None, dataset=None, preprocessing=None, data=None, card=None,
                figure=None, overwrite=False):
    """Writes a self-contained preset folder: `model.keras`, `preset.json`, `card.md`, `figure.png`.

    The folder is written atomically (a hidden temporary sibling renamed at
    the end): it either appears whole or not at all.

    Args:
        model: an aezoo model (or a Keras model, with `variant=` and
            `backbone=`).
        folder: str. The folder to create.
        name: str or None. Preset name (lowercase letters, digits, `_`).
            Defaults to the folder's base name.
        variant: str or None. Defaults to the model's variant.
        backbone: str or None. Defaults to the model's backbone.
        recipe: str or None. The command line that reproduces the model.
        metrics: dict or None. Measured metrics to record.
        dataset: str or None. What the model was trained on.
        preprocessing: str or None. E.g. `"binarize"`.
        data: array or None. Examples for the figure. Defaults to the test
            split of the embedded dataset whose shape matches, else seeded noise.
        card: str or None. Path of a ready `card.md` to copy instead of
            writing one.
        figure: str or None. Path of a ready `figure.png` to copy instead of
            drawing one.
        overwrite: bool. Replace an existing folder. Defaults to `False`.

    Returns:
        The preset dict written to `preset.json`, with `"sha256"` (of
        preset.json: pass it to `zoo.load(url, sha256=...)`) and `"folder"`.

    Example:
    >>> info = zoo.save_preset(model, "out/my_ae", name="my_ae")
    >>> zoo.load("out/my_ae")
    """
    from zoo import atomic
    from zoo.hub import cards
    from zoo.hub.writing import uncompiled_copy

    folder = os.path.abspath(os.fspath(folder))
    name = check_name(name if name is not None else os.path.basename(folder))
    if metrics is not None and not isinstance(metrics, dict):
        raise TypeError(f"`metrics` must be a dict or None. Received: {type(metrics).__name__}")
    for label, path in (("card", card), ("figure", figure)):
        if path is not None and not os.path.isfile(path):
            raise FileNotFoundError(f"`{label}` must be an existing file. Received: {path!r}")
    variant, backbone, input_shape, latent_shape = _describe(model, variant, backbone)
    atomic.check_writable_target(folder, overwrite)
    preset = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name,
        "variant": variant,
        "backbone": backbone,
        "input_shape": input_shape,
        "latent_shape": latent_shape,
        "dataset": dataset,
        "preprocessing": preprocessing,
        "recipe": recipe,
        "metrics": json.loads(json.dumps(metrics or {})),
        "parameters": int(model.count_params()),
        "versions": _versions(),
        "created_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": {},
    }
    with atomic.atomic_directory(folder, overwrite=overwrite) as tmp:
        os.chmod(tmp, 0o755)  # mkdtemp makes it private
        uncompiled_copy(model).save(os.path.join(tmp, MODEL_FILE))
        if figure is not None:
            shutil.copyfile(figure, os.path.join(tmp, FIGURE_FILE))
        else:
            cards.draw_preview(os.path.join(tmp, FIGURE_FILE), model, input_shape, data, name)
        if card is not None:
            shutil.copyfile(card, os.path.join(tmp, CARD_FILE))
        else:
            with open(os.path.join(tmp, CARD_FILE), "w") as f:
                f.write(render_card(preset))
        for file_name in (MODEL_FILE, CARD_FILE, FIGURE_FILE):
            path = os.path.join(tmp, file_name)
            preset["files"][file_name] = {"sha256": sha256_file(path),
                                          "bytes": os.path.getsize(path)}
        text = json.dumps(preset, indent=2) + "\n"
        parse_preset(text.encode(), os.path.join(folder, PRESET_FILE))  # never write a bad one
        with open(os.path.join(tmp, PRESET_FILE), "w") as f:
            f.write(text)
    return {**preset, "sha256": sha256_bytes(text.encode()), "folder": folder}


def load_folder(folder, sha256=None):
    """Verifies a preset folder (every file's size and sha256), then loads its model.

    Args:
        folder: str. A preset folder.
        sha256: str or None. Expected sha256 of its `preset.json`.

    Returns:
        The model (uncompiled), with safe_mode on.
    """
    from zoo.hub.loading import deserialize

    preset = read_preset(folder, verify=True, sha256=sha256)
    return deserialize(os.path.join(preset["folder"], MODEL_FILE))
