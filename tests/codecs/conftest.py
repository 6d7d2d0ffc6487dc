"""Fixtures of the codec tests: shipped presets of each family, their TF-free exports, digits."""

import pytest

# One preset per codec family: a factorized-prior transform codec, a VQ-VAE's codes under its
# Transformer code prior. Tests taking `preset_codec` run for both.
PRESETS = ("factorized_mnist_q3", "vq_mnist")


@pytest.fixture(scope="session")
def digits():
    import zoo.datasets

    x, _ = zoo.datasets.load("mnist5k", "test")
    return x[:20]


@pytest.fixture(scope="session", params=PRESETS)
def preset_codec(request):
    import zoo.codecs

    return zoo.codecs.load(request.param)


@pytest.fixture(scope="session")
def exported_codec_dir(preset_codec, digits, tmp_path_factory):
    import export

    folder = tmp_path_factory.mktemp("codec") / "export"
    export.export_codec(preset_codec, str(folder), examples=list(digits[:4]))
    return str(folder)
