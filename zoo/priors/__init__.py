"""Learned priors a model samples through (DESIGN §12).

The autoencoder stays a frozen component the prior is fitted on
(`model.fit_prior(x, kind=...)`), and `model.sample(n, seed=...)` draws
through it. Two families:

- over integer codes of a VQ-VAE (`CODE_PRIORS`): `zoo.priors.pixelcnn`
  (masked convolutions) and `zoo.priors.transformer` (causal
  `MultiHeadAttention`), fitted and sampled by `zoo.priors.codes`;
- over latent vectors of an AE or VAE (`LATENT_PRIORS`):
  `zoo.priors.diffusion.DiffusionPrior`, a DDPM-trained denoiser, with its
  noise schedule and DDIM sampling loop in `zoo.priors.scheduler` (numpy
  only, no weights: diffusers' split of a scheduler from the network).

Submodules import TensorFlow, except `scheduler`; this package does not.
"""

CODE_PRIORS = ("pixelcnn", "transformer")
LATENT_PRIORS = ("diffusion",)
PRIOR_KINDS = CODE_PRIORS + LATENT_PRIORS
