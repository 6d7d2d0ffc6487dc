"""TensorFlow-free codecs: `export_codec(codec, folder)` and `load_codec(folder)`.

`export_codec` writes the codec's analysis and synthesis transforms to ONNX
(dynamic height, width or length), its entropy tables (`tables.npz`) and
`codec.json` (name, domain, stride, the sha256 of every file, the parity it
measured). `load_codec` runs them with ONNX Runtime, numpy and constriction
only: the same `zoo.codecs.codec.TransformCodec` pipeline, the same tables,
hence the same bytes, and reconstructions within float round-off.

Example:
>>> import export
>>> export.export_codec(zoo.codecs.load("factorized_mnist_q3"), "out/codec")
>>> codec = export.load_codec("out/codec")       # no TensorFlow imported
>>> codec.decompress(codec.compress(x_test[0])).shape
(28, 28, 1)
"""

import hashlib
import json
import os

import numpy as np

from zoo.codecs import bitstream
from zoo.codecs.codec import TransformCodec
from zoo.codecs.tables import EntropyTables

CODEC_FILE = "codec.json"
FILES = ("analysis.onnx", "synthesis.onnx", "tables.npz")
FORMAT_VERSION = 1
# Largest |Keras - ONNX Runtime| over a reconstruction from the same bytes.
RECONSTRUCTION_TOLERANCE = 1e-3


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _to_onnx(network, path, input_name, rank, channels):
    import tensorflow as tf
    import tf2onnx

    from zoo import quiet

    signature = [tf.TensorSpec((None,) * (rank + 1) + (channels,), tf.float32, input_name)]

    @tf.function(input_signature=signature)
    def function(x):
        return {"output": network(x, training=False)}

    with quiet.silenced_stderr():
        proto, _ = tf2onnx.convert.from_function(function, input_signature=signature, opset=17)
    proto.producer_name = "aezoo"
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())


def _examples(codec):
    rng = np.random.default_rng(0)
    if codec.domain == "image":
        return [rng.uniform(0, 1, (28, 28, codec.channels)).astype(np.float32),
                np.zeros((20, 36, codec.channels), np.float32)]
    t = np.arange(codec.sample_rate) / codec.sample_rate
    return [(0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32),
            rng.normal(0, 0.05, codec.sample_rate // 3).astype(np.float32)]


def export_codec(codec, folder, examples=None):
    """Exports a codec for compression and decompression without TensorFlow.

    Args:
        codec: a `zoo.codecs` codec (e.g. `zoo.codecs.load(name)`).
        folder: str. Folder to write (atomically; replaced if it exists).
        examples: list of arrays or None. Examples the parity check
            compresses with both codecs. Defaults to two seeded ones.

    Returns:
        dict: the written `codec.json` content, with `parity` (`same_bytes`,
        `max_abs_diff` over the examples' reconstructions).

    Raises:
        ValueError: the exported codec writes other bytes than the codec, or
            decodes them more than `RECONSTRUCTION_TOLERANCE` away.
    """
    from zoo import atomic

    if not hasattr(codec, "analysis_model") or not hasattr(codec, "tables"):
        raise ValueError(f"export_codec expects a zoo.codecs transform codec. Received: "
                         f"{type(codec).__name__}")
    rank = 2 if codec.domain == "image" else 1
    with atomic.atomic_directory(folder, overwrite=True) as tmp:
        _to_onnx(codec.analysis_model, os.path.join(tmp, "analysis.onnx"), "x", rank,
                 codec.channels)
        _to_onnx(codec.synthesis_model, os.path.join(tmp, "synthesis.onnx"), "y_hat", rank,
                 codec.latent_channels)
        np.savez(os.path.join(tmp, "tables.npz"), **codec.tables.arrays())
        exported = _load(tmp, {"name": codec.name, "domain": codec.domain,
                               "channels": codec.channels, "stride": codec.stride,
                               "sample_rate": codec.sample_rate, "period": codec.period,
                               "tile": codec.tile},
                           codec.known)
        same, worst = True, 0.0
        for x in examples if examples is not None else _examples(codec):
            data = codec.compress(x)
            same = same and exported.compress(x) == data
            worst = max(worst, float(np.max(np.abs(exported.decompress(data)
                                                   - codec.decompress(data)))))
        if not same or worst > RECONSTRUCTION_TOLERANCE:
            raise ValueError(f"Exported codec {codec.name!r} disagrees with the codec: same "
                             f"bytes {same}, reconstructions {worst:.3g} apart (tolerance "
                             f"{RECONSTRUCTION_TOLERANCE})")
        config = {"format": FORMAT_VERSION, "bitstream_format": bitstream.FORMAT_VERSION,
                  "name": codec.name, "domain": codec.domain, "channels": codec.channels,
                  "stride": codec.stride, "sample_rate": codec.sample_rate,
                  "period": codec.period, "tile": codec.tile,
                  "known": {str(k): v for k, v in codec.known.items()},
                  "files": {name: _sha256(os.path.join(tmp, name)) for name in FILES},
                  "parity": {"same_bytes": same, "max_abs_diff": worst}}
        with open(os.path.join(tmp, CODEC_FILE), "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
    return config


def _session(path):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda x: session.run(None, {name: np.ascontiguousarray(x, np.float32)})[0]


def _load(folder, config, known):
    with np.load(os.path.join(folder, "tables.npz"), allow_pickle=False) as arrays:
        tables = EntropyTables.from_arrays(arrays)
    return TransformCodec(config["name"], config["domain"], config["channels"],
                          config["stride"], tables, _session(os.path.join(folder, "analysis.onnx")),
                          _session(os.path.join(folder, "synthesis.onnx")),
                          config.get("sample_rate"), known, config.get("period", 1),
                          config.get("tile"))


def load_codec(folder):
    """Loads an exported codec with ONNX Runtime, numpy and constriction (no TensorFlow).

    Args:
        folder: str. A folder written by `export_codec`.

    Returns:
        `zoo.codecs.codec.TransformCodec` with `compress` and `decompress`.

    Raises:
        ValueError: a missing or unreadable `codec.json`, a newer format, or a
            file whose sha256 differs from the one recorded.
    """
    path = os.path.join(str(folder), CODEC_FILE)
    try:
        with open(path) as f:
            config = json.load(f)
        files = dict(config["files"])
        version = config["format"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{folder} is not an exported codec: expected a readable {CODEC_FILE} "
                         f"(written by export.export_codec). Received: {error}") from None
    if version != FORMAT_VERSION:
        raise ValueError(f"{path} has format {version}: this aezoo reads format "
                         f"{FORMAT_VERSION}. Received: format {version}")
    for name in FILES:
        file = os.path.join(str(folder), name)
        digest = _sha256(file) if os.path.exists(file) else "missing"
        if digest != files.get(name):
            raise ValueError(f"{file} does not match {CODEC_FILE}: expected sha256 "
                             f"{files.get(name)}. Received: {digest}")
    known = {int(k): v for k, v in config.get("known", {}).items()}
    return _load(str(folder), config, known)
