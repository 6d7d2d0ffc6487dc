"""Name -> class registries for variants (objectives), backbones (networks) and model kinds.

Filled by the `register_variant` / `register_backbone` / `register_model_kind`
decorators when the modules of `zoo.variants`, `zoo.backbones` and
`zoo.models.classifier` are imported, so the registry cannot drift from the
files. A model kind tells the trainer how to build and fit a name: every
variant is an `AutoencoderKind`; the MNIST classifier registers its own.
"""

import importlib

_VARIANTS = {}
_BACKBONES = {}
_KINDS = {}


def _registering(table, name, attribute, instance):
    """A class decorator naming the class (`attribute`) and filing it (or one instance)."""

    def decorate(cls):
        setattr(cls, attribute, name)
        table[name] = cls() if instance else cls
        return cls

    return decorate


def register_variant(name):
    """Class decorator adding an `Autoencoder` subclass under `name`."""
    return _registering(_VARIANTS, name, "variant_name", instance=False)


def register_backbone(name):
    """Class decorator adding a `Backbone` subclass (one instance) under `name`."""
    return _registering(_BACKBONES, name, "name", instance=True)


def register_model_kind(name):
    """Class decorator adding a trainable model kind (not an autoencoder) under `name`."""
    return _registering(_KINDS, name, "name", instance=True)


class AutoencoderKind:
    """How the trainer builds and fits a registered variant.

    Attributes:
        supervised: bool. Fits `(x, y)` rather than `x` alone.
        uses_backbone: bool. Takes `backbone`, `latent_dim` and options.
        data: str or None. The one embedded dataset it trains on, if fixed.
        backbone_label: str or None. Backbone name recorded for a kind without
            a registered backbone.
        capabilities: frozenset. What the built model can do (see `zoo.models`).
    """

    supervised = False
    uses_backbone = True
    data = None
    backbone_label = None

    def __init__(self, variant):
        self.name = variant
        self.capabilities = frozenset(variant_class(variant).capabilities)

    def build(self, input_shape, latent_dim, backbone, options):
        return build(self.name, input_shape=input_shape, latent_dim=latent_dim,
                     backbone=backbone, **options)

    def compile(self, model, optimizer):
        model.compile(optimizer=optimizer)


def _load_all():
    # Importing the packages runs every decorator once.
    importlib.import_module("zoo.backbones")
    importlib.import_module("zoo.variants")
    importlib.import_module("zoo.models.classifier")


def list_model_kinds():
    """Returns every name the trainer accepts: the variants and the other model kinds."""
    _load_all()
    return sorted(set(_VARIANTS) | set(_KINDS))


def model_kind(name):
    """Returns how the trainer builds and fits `name` (a variant or another model kind)."""
    _load_all()
    if name in _KINDS:
        return _KINDS[name]
    if name not in _VARIANTS:
        raise ValueError(f"Unknown variant. Expected one of {list_model_kinds()}. "
                         f"Received: variant={name!r}")
    return AutoencoderKind(name)


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
        An uncompiled `zoo.models.base.Autoencoder`.

    Example:
    >>> m = zoo.build("vae", input_shape=(28, 28, 1), latent_dim=16, backbone="conv")
    """
    return variant_class(variant)(
        input_shape=input_shape, latent_dim=latent_dim, backbone=backbone, **options
    )
