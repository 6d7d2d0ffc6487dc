"""TensorFlow-free codecs: `export_codec(codec, folder)` and `load_codec(folder)`.

`export_codec` writes the codec's analysis and synthesis transforms to ONNX
(dynamic batch, height, width or length), what its entropy coder needs (a
factorized codec's tables, `tables.npz`; a VQ codec's code prior weights,
`prior.npz`) and `codec.json` (family, name, domain, stride, the sha256 of
every file, the parity it measured). `load_codec` runs them with ONNX
Runtime, numpy and constriction only: the same coding pipeline
(`zoo.codecs.codec.TransformCodec`, `zoo.codecs.vq_codec.VQCodec`), the same
tables, hence the same bytes, and reconstructions within float round-off.

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
from zoo.codecs.transformer_prior import TransformerPrior
from zoo.codecs.vq_codec import VQCodec

CODEC_FILE = "codec.json"
# What each codec family's entropy coder reads, besides the two transforms.
CODER_FILES = {"factorized": "tables.npz", "vq": "prior.npz"}
TRANSFORMS = ("analysis.onnx", "synthesis.onnx")
FORMAT_VERSION = 1
# Largest |Keras - ONNX Runtime| over a reconstruction from the same bytes.
RECONSTRUCTION_TOLERANCE = 1e-3


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _to_onnx(transform, path, spec):
    import tensorflow as tf
    import tf2onnx

    from zoo import quiet

    signature = [spec]

    @tf.function(input_signature=signature)
    def function(x):
        return {"output": transform(x)}

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

    family = getattr(codec, "config", {}).get("family")
    if family not in CODER_FILES:
        raise ValueError(f"export_codec expects a zoo.codecs codec of family "
                         f"{sorted(CODER_FILES)}. Received: {type(codec).__name__}")
    config = {"format": FORMAT_VERSION, "bitstream_format": bitstream.FORMAT_VERSION,
              "family": family, "name": codec.name, "domain": codec.domain,
              "channels": codec.channels, "stride": codec.stride,
              "sample_rate": codec.sample_rate, "period": codec.period, "tile": codec.tile,
              "known": {str(k): v for k, v in codec.known.items()}}
    with atomic.atomic_directory(folder, overwrite=True) as tmp:
        WRITERS[family](codec, tmp)
        exported = _load(tmp, config, codec.known)
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
        config["files"] = {name: _sha256(os.path.join(tmp, name))
                           for name in TRANSFORMS + (CODER_FILES[family],)}
        config["parity"] = {"same_bytes": same, "max_abs_diff": worst}
        with open(os.path.join(tmp, CODEC_FILE), "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
    return config


def _write_factorized(codec, folder):
    import tensorflow as tf

    rank = 2 if codec.domain == "image" else 1
    for name, network, channels in (("analysis", codec.analysis_model, codec.channels),
                                    ("synthesis", codec.synthesis_model,
                                     codec.latent_channels)):
        spec = tf.TensorSpec((None,) * (rank + 1) + (channels,), tf.float32, "x")
        _to_onnx(lambda x, net=network: net(x, training=False),
                 os.path.join(folder, f"{name}.onnx"), spec)
    np.savez(os.path.join(folder, "tables.npz"), **codec.tables.arrays())


def _write_vq(codec, folder):
    import tensorflow as tf

    model = codec.model
    _to_onnx(lambda x: tf.cast(model.codes_tensor(x), tf.int32),
             os.path.join(folder, "analysis.onnx"),
             tf.TensorSpec((None, codec.tile, codec.tile, codec.channels), tf.float32, "x"))
    _to_onnx(lambda c: model.decode_tensor(model.quantize_codes(c)),
             os.path.join(folder, "synthesis.onnx"),
             tf.TensorSpec((None,) + codec.grid, tf.int32, "codes"))
    np.savez(os.path.join(folder, "prior.npz"), **codec.prior.arrays)


WRITERS = {"factorized": _write_factorized, "vq": _write_vq}


def _session(path):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    dtype = np.int32 if session.get_inputs()[0].type == "tensor(int32)" else np.float32
    return lambda x: session.run(None, {name: np.ascontiguousarray(x, dtype)})[0]


def _load(folder, config, known):
    analysis = _session(os.path.join(folder, "analysis.onnx"))
    synthesis = _session(os.path.join(folder, "synthesis.onnx"))
    coder = os.path.join(folder, CODER_FILES[config.get("family", "factorized")])
    with np.load(coder, allow_pickle=False) as arrays:
        arrays = dict(arrays)
    if config.get("family") == "vq":
        return VQCodec(config, analysis, synthesis, TransformerPrior(arrays), known)
    tables = EntropyTables.from_arrays(arrays)
    return TransformCodec(config["name"], config["domain"], config["channels"],
                          config["stride"], tables, analysis, synthesis,
                          config.get("sample_rate"), known, config.get("period", 1),
                          config.get("tile"))


def load_codec(folder):
    """Loads an exported codec with ONNX Runtime, numpy and constriction (no TensorFlow).

    Args:
        folder: str. A folder written by `export_codec`.

    Returns:
        A codec (`zoo.codecs.codec.TransformCodec`, or `zoo.codecs.vq_codec.VQCodec`
        for a VQ codec) with `compress` and `decompress`.

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
    family = config.get("family", "factorized")
    if family not in CODER_FILES:
        raise ValueError(f"{path} names codec family {family!r}: this aezoo reads "
                         f"{sorted(CODER_FILES)}. Received: family {family!r}")
    for name in TRANSFORMS + (CODER_FILES[family],):
        file = os.path.join(str(folder), name)
        digest = _sha256(file) if os.path.exists(file) else "missing"
        if digest != files.get(name):
            raise ValueError(f"{file} does not match {CODEC_FILE}: expected sha256 "
                             f"{files.get(name)}. Received: {digest}")
    known = {int(k): v for k, v in config.get("known", {}).items()}
    return _load(str(folder), config, known)
