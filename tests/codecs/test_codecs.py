"""zoo.codecs: bitstreams, entropy coding under learned tables, the shipped image presets."""

import numpy as np
import pytest

import zoo.codecs
from zoo.codecs import bitstream
from zoo.codecs.tables import EntropyTables


def _psnr(a, b):
    return 10 * np.log10(1.0 / np.mean((a - b) ** 2))


def test_tables_round_trip_near_the_ideal_code_length():
    rng = np.random.default_rng(0)
    grid = np.arange(-10, 11)
    pmfs = np.stack([np.exp(-np.abs(grid) / s) for s in (0.5, 1.0, 3.0)])
    tables = EntropyTables.from_pmfs(grid, pmfs / pmfs.sum(1, keepdims=True))
    q = np.stack([rng.laplace(0, s, 500).round() for s in (0.5, 1.0, 3.0)], axis=1)
    payload = tables.encode(q)
    np.testing.assert_array_equal(tables.decode(payload, len(q)), tables.clip(q))
    ideal = tables.bits(q) / 8
    assert ideal < len(payload) <= ideal + 8, (len(payload), ideal)
    # A uniform coder spends log2(21) bits per value: the tables spend far fewer.
    assert len(payload) < 0.7 * q.size * np.log2(21) / 8


def test_header_round_trip_and_size():
    data = bitstream.pack("factorized_mnist_q3", (28, 28, 1), b"\x05\x06")
    assert len(data) == 8 + 2
    shape, payload = bitstream.parse(data, "factorized_mnist_q3", 3, 1 << 20)
    assert shape == (28, 28, 1) and payload == b"\x05\x06"
    big = bitstream.pack("c", (300, 20000), b"")
    assert bitstream.parse(big, "c", 2, 10**7)[0] == (300, 20000)


def test_list_and_info():
    image = zoo.codecs.list_codecs("image")
    assert "factorized_mnist_q3" in image and len(image) >= 3
    info = zoo.codecs.codec_info("factorized_mnist_q3")
    assert info["dataset"] == "mnist5k" and info["domain"] == "image"
    with pytest.raises(ValueError, match="Unknown codec"):
        zoo.codecs.codec_info("jpeg")


def test_preset_round_trip_bytes_and_quality(preset_codec, digits):
    info = zoo.codecs.codec_info(preset_codec.name)["metrics"]
    sizes, psnrs = [], []
    for x in digits:
        data = preset_codec.compress(x)
        assert data[0] == 0xA1 and preset_codec.compress(x) == data  # deterministic
        x_hat = preset_codec.decompress(data)
        assert x_hat.shape == x.shape and x_hat.dtype == np.float32
        sizes.append(len(data))
        psnrs.append(_psnr(x, x_hat))
    # The 20 digits behave like the 1,000 the manifest measured.
    assert abs(np.mean(psnrs) - info["psnr"]) < 2.0, (np.mean(psnrs), info["psnr"])
    assert abs(np.mean(sizes) - info["bytes_per_image"]) < 0.3 * info["bytes_per_image"]
    # Far below the 784 raw bytes of a digit.
    assert np.mean(sizes) < 150


def test_ladder_trades_bytes_for_quality(digits):
    names = [n for n in zoo.codecs.list_codecs("image")
             if zoo.codecs.codec_info(n)["family"] == "factorized"]
    low, high = zoo.codecs.load(names[0]), zoo.codecs.load(names[-1])
    sizes = [np.mean([len(c.compress(x)) for x in digits[:8]]) for c in (low, high)]
    quality = [np.mean([_psnr(x, c.decompress(c.compress(x))) for x in digits[:8]])
               for c in (low, high)]
    assert sizes[0] < sizes[1] and quality[0] < quality[1], (sizes, quality)


def test_any_image_size_and_a_mosaic(preset_codec, digits):
    mosaic = np.concatenate([np.concatenate(list(digits[r * 4:(r + 1) * 4]), axis=1)
                             for r in range(2)], axis=0)
    odd = mosaic[:53, :101]
    data = preset_codec.compress(odd)
    x_hat = preset_codec.decompress(data)
    assert x_hat.shape == (53, 101, 1)
    assert _psnr(odd, x_hat) > 18
    # One header for eight digits: fewer bytes than eight separate bitstreams.
    single = sum(len(preset_codec.compress(x)) for x in digits[:8])
    assert len(preset_codec.compress(mosaic)) < single
