"""Variants: objectives. Importing registers every one."""

from zoo.variants import ae, contractive, denoising, sparse, vae, vq_vae  # noqa: F401
