"""Learned codecs with real bitstreams (DESIGN §11).

`list_codecs()` names the shipped presets; `load(name)` gives a codec with
`domain` ("image" or "audio"), `sample_rate`, `compress(x) -> bytes` for one
example and `decompress(data) -> array`. A bitstream is a small header
(`zoo.codecs.bitstream`) and the latents ANS-coded under the model's learned
density (`zoo.codecs.tables.EntropyTables`). The transforms
(`zoo.codecs.transforms`) know nothing about coding; the entropy model
(`zoo.codecs.entropy.FactorizedDensity`) owns the tables both ends share.
`export.export_codec` / `export.load_codec` run a codec without TensorFlow.

Importing this package imports no TensorFlow; `load` does.

Example:
>>> import zoo.codecs
>>> codec = zoo.codecs.load("factorized_mnist_q3")
>>> data = codec.compress(x_test[0])            # bytes
>>> x_hat = codec.decompress(data)              # (28, 28, 1)
"""

from zoo.codecs.registry import codec_info, list_codecs, load

__all__ = ["codec_info", "list_codecs", "load"]
