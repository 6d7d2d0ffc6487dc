"""Name -> class registries for variants (objectives) and backbones (networks).

Filled by the `register_variant` / `register_backbone` decorators when the
modules of `zoo.variants` and `zoo.backbones` are imported, so the registry
cannot drift from the files.
"""

import importlib

_VARIANTS = {}
_BACKBONES = {}


def register_variant(name):
    """Class decorator adding an `Autoencoder` subclass under `name`."""

    def decorate(cls):
        cls.variant_name = name
        _VARIANTS[name] = cls
        return cls

    return decorate


def register_backbone(name):
    """Class decorator adding a `Backbone` subclass under `name`."""

    def decorate(cls):
        cls.name = name
        _BACKBONES[name] = cls()
        return cls

    return decorate


def _load_all():
    # Importing the packages runs every decorator once.
    importlib.import_module("zoo.backbones")
    importlib.import_module("zoo.variants")


def list_models():
    """Returns the sorted names of the registered variants."""
    _load_all()
    return sorted(_VARIANTS)


def list_backbones():
    """Returns the sorted names of the registered backbones."""
    _load_all()
    return sorted(_BACKBONES)


def variant_class(name):
    """Returns the `Autoencoder` subclass registered as `name`."""
    _load_all()
    if name not in _VARIANTS:
        raise ValueError(
            f"Unknown variant. Expected one of {sorted(_VARIANTS)}. Received: variant={name!r}"
        )
    return _VARIANTS[name]


def backbone(name):
    """Returns the `Backbone` instance registered as `name`."""
    _load_all()
    if name not in _BACKBONES:
        raise ValueError(
            f"Unknown backbone. Expected one of {sorted(_BACKBONES)}. Received: backbone={name!r}"
        )
    return _BACKBONES[name]


def backbone_option_owners():
    """Returns {option name: backbone name} over every registered backbone."""
    _load_all()
    return {opt: b.name for b in _BACKBONES.values() for opt in b.options}


def build(variant, input_shape, latent_dim, backbone="mlp", **options):
    """Builds a registered autoencoder.

    Args:
        variant: str. A name from `zoo.list_models()`.
        input_shape: tuple of ints. Shape of one example, without the batch
            axis: `(height, width, channels)` for images, `(timesteps,
            features)` for sequences, `(features,)` for vectors.
        latent_dim: int. Size of the latent code.
        backbone: str. A name from `zoo.list_backbones()`. Defaults to `"mlp"`.
        **options: variant, backbone and common options (DESIGN §4).

    Returns:
        An uncompiled `zoo.base.Autoencoder`.

    Example:
    >>> m = zoo.build("vae", input_shape=(28, 28, 1), latent_dim=16, backbone="conv")
    """
    return variant_class(variant)(
        input_shape=input_shape, latent_dim=latent_dim, backbone=backbone, **options
    )
