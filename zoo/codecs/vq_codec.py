"""`VQCodec`: images as a VQ-VAE's integer codes, ANS-coded under its autoregressive code prior.

The VQ-VAE's encoder and codebook give each tile of the image a grid of
codes (7x7 of 64 for `vq_vae_conv_mnist`); instead of 6 bits a code, each
code costs -log2 p(code | codes before it) under the model's causal
Transformer prior, evaluated in numpy float64 on both ends
(`zoo.codecs.transformer_prior`) so that they build the same tables.
The decoder decodes codes position by position and the VQ-VAE's decoder
turns them back into pixels.

A codec folder holds `codec.json` (name, tile, the model and its sha256)
and, for a codec made from your own model, `model.keras`; a shipped codec
names a `saved_models/` preset instead, pinned by its sha256.
"""

import json
import os

import numpy as np

from zoo.codecs import bitstream
from zoo.codecs.codec import TransformCodec, read_config
from zoo.codecs.transformer_prior import TransformerPrior

CONFIG_FILE = "codec.json"
MODEL_FILE = "model.keras"


class VQCodec(TransformCodec):
    """An image codec from a VQ-VAE with a Transformer code prior.

    Build one with `VQCodec.from_model(model, name)`, or load a shipped one
    with `zoo.codecs.load("vq_mnist")`. Each `tile x tile` block of an image
    (the model's input size) is coded on its own; all blocks share one
    bitstream.

    Args:
        config: dict. `name`, `channels`, `tile`, `stride` (pixels per
            code), `model` and `model_sha256`.
        analysis: callable. float32 tiles `(n, tile, tile, C)` -> int codes `(n, h, w)`.
        synthesis: callable. int codes `(n, h, w)` -> float32 tiles.
        prior: `TransformerPrior`. The code prior, in numpy.
        known: dict or None. Codec id -> name of other codecs (error messages).
        model: the VQ-VAE, or None (an exported codec runs without it).

    Example:
    >>> codec = VQCodec.from_model(zoo.load("vq_vae_conv_mnist"), "my_vq")
    >>> data = codec.compress(x_test[0])
    >>> len(data), codec.decompress(data).shape
    (24, (28, 28, 1))

    Reference:
    - van den Oord, Vinyals and Kavukcuoglu, "Neural Discrete Representation
      Learning", NeurIPS 2017.
    """

    def __init__(self, config, analysis, synthesis, prior, known=None, model=None):
        self.config = dict(config)
        self.prior = prior
        self.model = model
        super().__init__(config["name"], "image", config["channels"], config["stride"], None,
                         analysis, synthesis, known=known, tile=config["tile"])
        self.grid = (self.tile // self.stride,) * 2
        if prior.length != self.grid[0] * self.grid[1]:
            raise ValueError(f"The code prior covers {prior.length} positions: the codec's "
                             f"{self.tile}-pixel tiles have {self.grid} codes")

    @classmethod
    def from_model(cls, model, name, source=None, known=None):
        """A codec from a VQ-VAE whose code prior is a Transformer (`fit_prior`).

        Args:
            model: a `zoo` VQ-VAE on square images with a 2-D code grid.
            name: str. The codec's name (its id in every header).
            source: str or None. The preset name `save` records instead of
                writing `model.keras` (for a model loaded by that name).
            known: dict or None. Codec id -> name of other codecs.
        """
        import tensorflow as tf

        from zoo.models import has_capability

        if not has_capability(model, "discrete_codes"):
            raise ValueError(f"A VQ codec needs a model with integer codes (a VQ-VAE). "
                             f"Received: {type(model).__name__}")
        shape, grid = tuple(model.data_shape), tuple(model.latent_shape()[:-1])
        if len(shape) != 3 or shape[0] != shape[1] or len(grid) != 2 or shape[0] % grid[0]:
            raise ValueError(f"A VQ codec needs square images and a 2-D code grid. Received: "
                             f"input {shape}, code grid {grid}")
        if model.prior_kind != "transformer":
            raise ValueError(f"A VQ codec codes under a Transformer code prior: fit one with "
                             f"model.fit_prior(x, kind='transformer'). Received: "
                             f"{model.prior_kind!r}")
        config = {"name": name, "family": "vq", "domain": "image", "channels": shape[-1],
                  "sample_rate": None, "tile": shape[0], "stride": shape[0] // grid[0],
                  "model": source or MODEL_FILE, "model_sha256": None}

        def analysis(tiles):
            return np.asarray(model.codes_tensor(tf.constant(tiles, tf.float32)))

        def synthesis(codes):
            return np.asarray(model.decode_tensor(model.quantize_codes(codes)))

        return cls(config, analysis, synthesis, TransformerPrior.from_network(model.code_prior),
                   known, model)

    @classmethod
    def from_folder(cls, folder, known=None):
        """Loads a codec folder written by `save` (the model sha256-checked)."""
        import zoo

        config = read_config(folder, CONFIG_FILE)
        source, pin = config.get("model"), config.get("model_sha256")
        if not isinstance(source, str) or not isinstance(pin, str):
            raise ValueError(f"{os.path.join(folder, CONFIG_FILE)} is not a VQ codec config: "
                             f"expected `model` and `model_sha256` strings. Received: "
                             f"model={source!r}, model_sha256={pin!r}")
        local = os.path.join(folder, source)
        model = zoo.load(local if os.path.exists(local) else source, sha256=pin)
        codec = cls.from_model(model, config["name"], source, known)
        codec.config.update(config)
        return codec

    def save(self, folder):
        """Writes `codec.json` (and `model.keras` unless the model is a named preset)."""
        import zoo
        from zoo import atomic
        from zoo.hub.manifest import sha256_file

        with atomic.atomic_directory(folder, overwrite=True) as tmp:
            if self.config["model"] == MODEL_FILE:
                self.model.save(os.path.join(tmp, MODEL_FILE))
                self.config["model_sha256"] = sha256_file(os.path.join(tmp, MODEL_FILE))
            else:
                self.config["model_sha256"] = zoo.preset_info(self.config["model"])["sha256"]
            with open(os.path.join(tmp, CONFIG_FILE), "w") as f:
                json.dump(self.config, f, indent=2)
                f.write("\n")
        return folder

    def _tile_codes(self, checked):
        tiles, _ = self._blocks(checked)
        return np.asarray(self._analysis(tiles), np.int64).reshape(len(tiles), -1)

    def codes(self, x):
        """Integer codes of one image: `(tiles, h * w)`."""
        return self._tile_codes(self._checked(x))

    def compress(self, x):
        """Compresses one image into bytes (header, then the codes ANS-coded under the prior)."""
        x = self._checked(x)
        return bitstream.pack(self.name, x.shape, self.prior.encode(self._tile_codes(x)))

    def decompress(self, data):
        """The image a bitstream holds, `(H, W, C)` in [0, 1].

        Raises:
            ValueError: a truncated, corrupt or foreign bitstream, a newer
                format version, or a header claiming too large a shape.
        """
        shape, payload = bitstream.parse(data, self.name, 3, self.max_elements, self.known)
        if shape[-1] != self.channels:
            raise ValueError(f"Header claims {shape[-1]} channels: codec {self.name!r} codes "
                             f"{self.channels}. Received: shape {shape}")
        n, grid = self._layout(shape)
        codes = self.prior.decode(payload, n).reshape((n,) + grid)
        return self._assemble(np.asarray(self._synthesis(codes), np.float32), shape)
