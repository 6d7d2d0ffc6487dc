"""Models: the `Autoencoder` base (the one train step), the registry, TFP distributions.

A model declares what it can do in `capabilities`; evaluation, cards and the
trainer read `capabilities_of(model)` instead of probing attributes or
matching variant names:

- `"posterior"`: a TFP posterior, prior and likelihood (`posterior(x)`,
  `prior`, `likelihood_distribution`, `kl_divergence`, `kl_per_dimension`).
- `"samples"`: `sample(n, seed=...)` generates examples.
- `"discrete_codes"`: `codes(x)` gives integer codes of `num_embeddings`.
- `"classifies"`: a classifier (the MNIST classifier behind aezoo's FID).

Example:
>>> from zoo import models
>>> sorted(models.capabilities_of(zoo.load("vae_conv_mnist")))
['posterior', 'samples']
"""

CAPABILITIES = ("classifies", "discrete_codes", "posterior", "samples")


def capabilities_of(model):
    """Returns the frozenset of `CAPABILITIES` that `model` declares.

    An aezoo autoencoder declares its own (`Autoencoder.capabilities`); any
    other Keras model the zoo ships is its MNIST classifier.
    """
    from zoo.models.base import Autoencoder

    if isinstance(model, Autoencoder):
        return frozenset(model.capabilities)
    return frozenset({"classifies"})


def has_capability(model, name):
    """True when `model` declares capability `name` (one of `CAPABILITIES`)."""
    if name not in CAPABILITIES:
        raise ValueError(f"Unknown capability. Expected one of {list(CAPABILITIES)}. "
                         f"Received: {name!r}")
    return name in capabilities_of(model)
