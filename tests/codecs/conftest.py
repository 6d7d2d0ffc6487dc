"""Fixtures of the codec tests: a shipped preset, its TensorFlow-free export, test digits."""

import pytest

PRESET = "factorized_mnist_q3"


@pytest.fixture(scope="session")
def digits():
    import zoo.datasets

    x, _ = zoo.datasets.load("mnist5k", "test")
    return x[:20]


@pytest.fixture(scope="session")
def preset_codec():
    import zoo.codecs

    return zoo.codecs.load(PRESET)


@pytest.fixture(scope="session")
def exported_codec_dir(preset_codec, digits, tmp_path_factory):
    import export

    folder = tmp_path_factory.mktemp("codec") / "export"
    export.export_codec(preset_codec, str(folder), examples=list(digits[:4]))
    return str(folder)
