"""The factorized-prior transform codec (Balle et al. 2017), images or audio, in Keras.

A codec folder holds `codec.json` (family, transform options, rate-distortion
weight, metrics), `weights.npz` (the analysis and synthesis transforms and the
learned density) and `tables.npz` (the entropy tables both ends share).
"""

import json
import os

import numpy as np

from zoo.codecs.codec import TransformCodec, read_config
from zoo.codecs.tables import EntropyTables

CONFIG_FILE = "codec.json"
WEIGHTS_FILE = "weights.npz"
TABLES_FILE = "tables.npz"


def build_networks(config):
    """`(analysis, synthesis, density, stride)` from a codec config (untrained)."""
    from zoo.codecs import transforms
    from zoo.codecs.entropy import FactorizedDensity

    options = dict(config["transform"])
    kind = options.pop("kind")
    if kind == "image":
        analysis, synthesis, stride = transforms.image_transforms(
            channels=config["channels"], **options)
    else:
        options["strides"] = tuple(options["strides"])
        options["filters"] = tuple(options["filters"])
        analysis, synthesis, stride = transforms.audio_transforms(**options)
    period = config.get("period", 1)
    density = FactorizedDensity(period * period * analysis.output_shape[-1],
                                **config.get("density", {}))
    return analysis, synthesis, density, stride


def _weights(networks, dtype="float32"):
    arrays = {}
    for key, network in zip(("analysis", "synthesis", "density"), networks, strict=False):
        for i, w in enumerate(network.get_weights()):
            arrays[f"{key}/{i:03d}"] = w.astype(dtype)
    return arrays


def _set_weights(networks, arrays):
    for key, network in zip(("analysis", "synthesis", "density"), networks, strict=False):
        names = sorted(k for k in arrays.files if k.startswith(key + "/"))
        network.set_weights([arrays[k].astype("float32") for k in names])


class FactorizedCodec(TransformCodec):
    """A transform codec whose latents are coded under a learned factorized density.

    Build one with `zoo.codecs.load(name)` (a shipped preset) or
    `FactorizedCodec.from_folder(path)`; train one with
    `zoo.codecs.training.train_codec`.

    Args:
        config: dict. The codec's `codec.json` content.
        analysis: `keras.Model`. Example -> latents.
        synthesis: `keras.Model`. Quantized latents -> example.
        density: `zoo.codecs.entropy.FactorizedDensity`. The latents' density.
        tables: `EntropyTables` or None. Computed from `density` when None.
        known: dict or None. Codec id -> name of other codecs.

    Example:
    >>> codec = zoo.codecs.load("factorized_mnist_q3")
    >>> data = codec.compress(x_test[0])
    >>> len(data), codec.decompress(data).shape
    (41, (28, 28, 1))

    Reference:
    - Balle, Laparra and Simoncelli, "End-to-end Optimized Image Compression", ICLR 2017.
    """

    def __init__(self, config, analysis, synthesis, density, tables=None, known=None):
        self.config = dict(config)
        self.analysis_model = analysis
        self.synthesis_model = synthesis
        self.density = density
        if tables is None:
            tables = density.tables(config.get("radius", 64), config.get("tail_mass", 1e-6))
        stride = config["stride"]
        super().__init__(config["name"], config["domain"], config["channels"], stride, tables,
                         self._analyse, self._synthesize, config.get("sample_rate"), known,
                         config.get("period", 1), config.get("tile"))

    def _analyse(self, x):
        return self.analysis_model(x, training=False).numpy()

    def _synthesize(self, y):
        return self.synthesis_model(y, training=False).numpy()

    @classmethod
    def from_folder(cls, folder, known=None):
        """Loads a codec folder written by `save`."""
        config = read_config(folder, CONFIG_FILE)
        analysis, synthesis, density, stride = build_networks(config)
        config["stride"] = stride
        with np.load(os.path.join(folder, WEIGHTS_FILE)) as arrays:
            _set_weights((analysis, synthesis, density), arrays)
        with np.load(os.path.join(folder, TABLES_FILE)) as arrays:
            tables = EntropyTables.from_arrays(arrays)
        return cls(config, analysis, synthesis, density, tables, known)

    def save(self, folder):
        """Writes `codec.json`, `weights.npz` and `tables.npz` into `folder` (atomically)."""
        from zoo import atomic

        with atomic.atomic_directory(folder, overwrite=True) as tmp:
            with open(os.path.join(tmp, CONFIG_FILE), "w") as f:
                json.dump(self.config, f, indent=2)
                f.write("\n")
            networks = (self.analysis_model, self.synthesis_model, self.density)
            # "weights_dtype": "float16" halves a preset (the codec is measured as stored).
            dtype = self.config.get("weights_dtype", "float32")
            np.savez_compressed(os.path.join(tmp, WEIGHTS_FILE), **_weights(networks, dtype))
            np.savez_compressed(os.path.join(tmp, TABLES_FILE), **self.tables.arrays())
        return folder
