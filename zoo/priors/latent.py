"""Latent priors as an owner model's config: `{"kind": "diffusion", **options}` <-> the prior.

An autoencoder saves its latent prior as one constructor argument,
`latent_prior`, so that a reloaded `.keras` file rebuilds the network in
`__init__` before Keras restores its weights.
"""

from zoo.priors import LATENT_PRIORS


def check_config(latent_prior):
    """Raises ValueError unless `latent_prior` is None or `{"kind": "diffusion", ...}`."""
    if latent_prior is None:
        return
    if not isinstance(latent_prior, dict) or latent_prior.get("kind") not in LATENT_PRIORS:
        raise ValueError(f"`latent_prior` must be None or a dict with 'kind' in "
                         f"{list(LATENT_PRIORS)}. Received: latent_prior={latent_prior!r}")


def from_config(latent_dim, latent_prior):
    """Returns the prior network that `latent_prior` describes, for latents of `latent_dim`."""
    from zoo.priors.diffusion import DiffusionPrior

    check_config(latent_prior)
    options = {key: value for key, value in latent_prior.items() if key != "kind"}
    return DiffusionPrior(latent_dim, name="latent_prior", **options)


def config_of(prior):
    """Returns the `latent_prior` constructor argument that rebuilds `prior` (None for None)."""
    if prior is None:
        return None
    return {"kind": "diffusion", **prior.options()}
