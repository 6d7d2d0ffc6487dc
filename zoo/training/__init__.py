"""Training: `train(recipe)` (resumable runs), callbacks, distribution, fine-tuning.

Example:
>>> from zoo.training import Recipe, train
>>> model = train(Recipe("ae", backbone="conv", latent_dim=16, epochs=5))
"""

from zoo.training.recipe import Recipe, parse_options
from zoo.training.trainer import train

__all__ = ["Recipe", "parse_options", "train"]
