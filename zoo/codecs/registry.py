"""The shipped codec presets (`presets/manifest.json`) and their families."""

import hashlib
import importlib
import json
import os

from zoo.codecs import bitstream
from zoo.codecs.codec import read_config

PRESETS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "presets")
# family -> "module:class"; a family's class has `from_folder(folder, known=None)`.
FAMILIES = {"factorized": "zoo.codecs.factorized:FactorizedCodec",
            "vq": "zoo.codecs.vq_codec:VQCodec"}


def _manifest():
    path = os.path.join(PRESETS_DIR, "manifest.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)["codecs"]


def list_codecs(domain=None):
    """Names of the shipped codec presets, sorted.

    Args:
        domain: str or None. `"image"` or `"audio"` to list one domain only.

    Returns:
        list of str.

    Example:
    >>> zoo.codecs.list_codecs("image")
    ['factorized_mnist_q1', ..., 'factorized_mnist_q5']
    """
    if domain not in (None, "image", "audio"):
        raise ValueError(f"`domain` must be 'image', 'audio' or None. Received: domain={domain!r}")
    return sorted(n for n, e in _manifest().items() if domain in (None, e["domain"]))


def codec_info(name):
    """The manifest entry of a codec preset (domain, dataset, recipe, metrics, files)."""
    codecs = _manifest()
    if name not in codecs:
        raise ValueError(f"Unknown codec {name!r}: expected one of {sorted(codecs)} "
                         f"(zoo.codecs.list_codecs()). Received: {name!r}")
    return {"name": name, **codecs[name]}


def known_ids():
    """Codec id -> name of every shipped codec (to name the writer of a foreign bitstream)."""
    return {bitstream.codec_id(name): name for name in _manifest()}


def _verified_folder(name):
    info = codec_info(name)
    folder = os.path.join(PRESETS_DIR, name)
    for file, expected in info["files"].items():
        path = os.path.join(folder, file)
        try:
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
        except OSError as error:
            raise ValueError(f"Codec preset {name!r} is incomplete: {error}") from None
        if digest != expected["sha256"]:
            raise ValueError(f"Codec preset file {path} does not match its manifest: expected "
                             f"sha256 {expected['sha256']}. Received: {digest}")
    return folder, info["family"]


def load(name):
    """Loads a codec: a shipped preset name, or a codec folder (`codec.save(folder)`).

    Args:
        name: str. See `list_codecs()`.

    Returns:
        A codec with `domain`, `sample_rate`, `compress(x) -> bytes` and
        `decompress(data) -> array`.

    Example:
    >>> codec = zoo.codecs.load("factorized_mnist_q3")
    >>> x_hat = codec.decompress(codec.compress(x_test[0]))
    """
    if not isinstance(name, str):
        raise ValueError(f"A codec name must be a string. Received: {name!r}")
    if os.path.isdir(name):
        folder, family = name, read_config(name).get("family")
        if family not in FAMILIES:
            raise ValueError(f"{name} holds a codec of family {family!r}: expected one of "
                             f"{sorted(FAMILIES)}")
    else:
        folder, family = _verified_folder(name)
    from zoo import quiet

    quiet.import_tensorflow()  # without its C++ start-up lines, as zoo.load does
    module, cls = FAMILIES[family].split(":")
    return getattr(importlib.import_module(module), cls).from_folder(folder, known=known_ids())
