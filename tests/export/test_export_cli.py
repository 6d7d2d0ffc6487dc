"""`aezoo export` and `aezoo verify`: progress lines, exit codes, one-line errors."""

import os

import pytest
from support import contract_data, small_model

import zoo
from zoo import cli


@pytest.fixture(scope="module")
def keras_file(tmp_path_factory, mnist):
    x_train, _ = contract_data("mlp", mnist)
    path = tmp_path_factory.mktemp("model") / "ae.keras"
    small_model("ae", "mlp", x_train.shape[1:]).save(path)
    return str(path)


def test_export_then_verify(keras_file, tmp_path, capsys):
    out = str(tmp_path / "out")
    status = cli.main(["export", keras_file, "--formats", "onnx,tflite", "--endpoints",
                       "encode", "score", "--out", out])
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert sorted(os.listdir(out)) == ["encode.onnx", "encode.tflite", "manifest.json",
                                       "reference.npz", "score.onnx", "score.tflite"]
    for name in ("encode.onnx", "encode.tflite", "score.onnx", "score.tflite"):
        assert f"wrote {name}" in printed
    assert len([line for line in printed.splitlines() if " ok " in line]) == 4
    assert cli.main(["verify", out]) == 0
    printed = capsys.readouterr().out
    assert len([line for line in printed.splitlines() if " ok " in line]) == 4
    assert "4 artifacts within tolerance" in printed


@pytest.mark.parametrize("argv,match", [
    (["--formats", "onnx,coreml"], "Received: --formats=('onnx', 'coreml')"),
    (["--endpoints", "sample"], "Received: --endpoints=('sample',)"),
    (["--quantize", "int4"], "Received: --quantize int4"),
    (["--quantize", "int8"], "int8 needs calibration data"),
    (["--quantize", "float16", "--formats", "onnx"], "LiteRT only"),
])
def test_export_user_errors_are_one_line(keras_file, tmp_path, capsys, argv, match):
    status = cli.main(["export", keras_file, "--out", str(tmp_path / "out"), *argv])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1 and match in err, err
    assert os.listdir(tmp_path) == []


def test_existing_target_and_missing_model(keras_file, tmp_path, capsys):
    (tmp_path / "out").mkdir()
    assert cli.main(["export", keras_file, "--out", str(tmp_path / "out")]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert cli.main(["export", str(tmp_path / "none.keras"), "--out", str(tmp_path / "x")]) == 2
    assert "No such .keras file" in capsys.readouterr().err
    assert cli.main(["verify", str(tmp_path / "out")]) == 2
    assert "not an aezoo export" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["out"]


@pytest.mark.skipif("ae_mlp_mnist" not in zoo.list_presets(), reason="preset not available")
def test_export_a_preset_by_name(tmp_path, capsys):
    out = str(tmp_path / "preset")
    status = cli.main(["export", "ae_mlp_mnist", "--formats", "onnx", "--endpoints", "encode",
                       "--out", out])
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert "reference data mnist5k" in printed
    assert "onnx/encode" in printed
