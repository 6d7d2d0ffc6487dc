"""`aezoo compress CODEC IN OUT` and `aezoo decompress IN OUT`."""

import numpy as np
from PIL import Image
from reliability_cases import run_cli


def test_png_round_trip_through_the_cli(tmp_path, digits, preset_codec):
    source = tmp_path / "digit.png"
    Image.fromarray(np.round(digits[2][..., 0] * 255).astype(np.uint8)).save(source)
    status, out, err = run_cli(["compress", preset_codec.name, str(source),
                                str(tmp_path / "digit.aez")])
    assert status == 0, err
    data = (tmp_path / "digit.aez").read_bytes()
    x = np.asarray(Image.open(source), np.float32)[..., None] / 255
    assert data == preset_codec.compress(x)
    for ext in (".png", ".npy"):
        status, out, err = run_cli(["decompress", str(tmp_path / "digit.aez"),
                                    str(tmp_path / f"back{ext}")])
        assert status == 0, err
    back = np.load(tmp_path / "back.npy")
    np.testing.assert_allclose(back, preset_codec.decompress(data), atol=1e-6)
    png = np.asarray(Image.open(tmp_path / "back.png"), np.float32)[..., None] / 255
    assert np.abs(png - back).max() <= 0.5 / 255 + 1e-6


def test_cli_user_errors(tmp_path, digits):
    np.save(tmp_path / "x.npy", digits[0])
    status, _, err = run_cli(["compress", "jpeg", str(tmp_path / "x.npy"), str(tmp_path / "o")])
    assert status == 2 and "Unknown codec 'jpeg'" in err and len(err.strip().splitlines()) == 1
    status, _, err = run_cli(["compress", "factorized_mnist_q3", str(tmp_path / "x.txt"),
                              str(tmp_path / "o")])
    assert status == 2 and ".png, .npy, .wav" in err
    (tmp_path / "o").write_bytes(b"x")
    status, _, err = run_cli(["compress", "factorized_mnist_q3", str(tmp_path / "x.npy"),
                              str(tmp_path / "o")])
    assert status == 2 and "exists" in err
