"""Bad bitstreams and bad examples: one clear ValueError each (tests/reliability_cases.py)."""

import zlib

import numpy as np
import pytest
from reliability_cases import case, check_call, check_cli, run_cli

from zoo.codecs import bitstream


def _recheck(data, ndim=3):
    """`data` with its checksum recomputed (a header edited by someone who knows the format)."""
    position = 3
    for _ in range(ndim):
        while data[position] & 0x80:
            position += 1
        position += 1
    head, payload = data[:position], data[position + 2:]
    return head + (zlib.crc32(head + payload) & 0xFFFF).to_bytes(2, "big") + payload


def _bad(key, codec, digit):
    import zoo.codecs

    data = codec.compress(digit)
    if key == "truncated":
        return data[: len(data) // 2]
    if key == "truncated-header":
        return data[:5]
    if key == "empty":
        return b""
    if key == "garbage":
        return np.random.default_rng(0).integers(0, 256, 200, dtype=np.uint8).tobytes()
    if key == "other-codec":
        other = [n for n in zoo.codecs.list_codecs("image") if n != codec.name][0]
        return bitstream.pack(other, digit.shape, b"\x01\x02")
    if key == "future-version":
        return _recheck(bytes([0xA2]) + data[1:])
    if key == "huge-shape":
        return bitstream.pack(codec.name, (100000, 100000, 1), b"\x01")
    if key == "flipped-bit":
        return data[:-1] + bytes([data[-1] ^ 0x10])
    if key == "trailing-bytes":
        return _recheck(data + b"\x01\x02\x03\x04")
    if key == "not-bytes":
        return np.frombuffer(data, np.uint8)
    raise KeyError(key)


BITSTREAM_KEYS = ("truncated", "truncated-header", "empty", "garbage", "other-codec",
                  "future-version", "huge-shape", "flipped-bit", "trailing-bytes", "not-bytes")


@pytest.mark.parametrize("key", BITSTREAM_KEYS)
def test_bad_bitstream_keras_codec(key, preset_codec, digits):
    data = _bad(key, preset_codec, digits[0])
    check_call(f"codec-{key}", lambda: preset_codec.decompress(data))


@pytest.mark.parametrize("key", BITSTREAM_KEYS)
def test_bad_bitstream_exported_codec(key, preset_codec, exported_codec_dir, digits):
    import export

    codec = export.load_codec(exported_codec_dir)
    data = _bad(key, preset_codec, digits[0])
    with pytest.raises(ValueError) as error:
        codec.decompress(data)
    missing = [f for f in case(f"codec-{key}").fragments if f not in str(error.value)]
    assert not missing, str(error.value)


@pytest.mark.parametrize("key,make", [
    ("nan-image", lambda d: np.where(np.arange(d.size).reshape(d.shape) == 5, np.nan, d)),
    ("wrong-channels", lambda d: np.repeat(d, 3, axis=-1)),
    ("out-of-range", lambda d: d * 255.0),
])
def test_bad_example(key, make, preset_codec, digits):
    x = make(digits[1])
    check_call(f"codec-{key}", lambda: preset_codec.compress(x))


def test_cli_garbage(tmp_path):
    path = tmp_path / "garbage.bin"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 64, dtype=np.uint8).tobytes())
    status, _, stderr = run_cli(["decompress", str(path), str(tmp_path / "out.png")])
    check_cli("codec-cli-garbage", status, stderr)
    assert not (tmp_path / "out.png").exists()
