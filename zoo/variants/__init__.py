"""Variants: objectives. Importing registers every one."""

from zoo.variants import ae, vae  # noqa: F401
