"""Backbones: encoder/decoder network builders. Importing registers them."""

from zoo.backbones import conv, mlp, recurrent  # noqa: F401
from zoo.backbones.backbone import Backbone

__all__ = ["Backbone"]
