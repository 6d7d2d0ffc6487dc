"""Training: `train(recipe)` (resumable runs), callbacks, distribution, fine-tuning.

`Recipe` and `parse_options` import no TensorFlow; `train` (and the modules
`callbacks`, `distribute`, `finetune`) do, on first use.

Example:
>>> from zoo.training import Recipe, train
>>> model = train(Recipe("ae", backbone="conv", latent_dim=16, epochs=5))
"""

import importlib

from zoo.training.recipe import Recipe, parse_options


def __getattr__(name):
    if name == "train":
        return importlib.import_module("zoo.training.trainer").train
    raise AttributeError(f"module 'zoo.training' has no attribute {name!r}")


__all__ = ["Recipe", "parse_options", "train"]
