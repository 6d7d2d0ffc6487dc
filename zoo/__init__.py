"""aezoo: a model zoo of autoencoders for Keras 3 on TensorFlow.

Imports stay light: TensorFlow is imported only when a model is built.

Example:
>>> import zoo
>>> x, y = zoo.datasets.load("mnist5k", split="train")
>>> m = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=16, backbone="conv")
>>> m.compile(optimizer="adam"); m.fit(x, epochs=5)
"""

import importlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from zoo.models.registry import build, list_backbones, list_models  # noqa: E402

__version__ = "0.1.0"

# Public names -> the module that holds them, imported on first use (TensorFlow is heavy).
_LAZY_MODULES = {
    "applications": "zoo.applications",
    "callbacks": "zoo.training.callbacks",
    "classifier": "zoo.models.classifier",
    "codecs": "zoo.codecs",
    "datasets": "zoo.datasets",
    "detectors": "zoo.detectors",
    "distribute": "zoo.training.distribute",
    "evaluation": "zoo.evaluation",
    "figures": "zoo.evaluation.figures",
    "finetune": "zoo.training.finetune",
    "hub": "zoo.hub",
    "models": "zoo.models",
    "registry": "zoo.models.registry",
    "training": "zoo.training",
}
_LAZY_FUNCTIONS = {
    "list_presets": "zoo.hub",
    "load": "zoo.hub",
    "preset_info": "zoo.hub",
    "save_preset": "zoo.hub",
    "train": "zoo.training",
}


def __getattr__(name):
    if name in _LAZY_MODULES:
        return importlib.import_module(_LAZY_MODULES[name])
    if name in _LAZY_FUNCTIONS:
        return getattr(importlib.import_module(_LAZY_FUNCTIONS[name]), name)
    raise AttributeError(f"module 'zoo' has no attribute {name!r}")


__all__ = ["build", "list_backbones", "list_models", "__version__"]
