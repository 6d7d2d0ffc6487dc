"""`aezoo quickstart`: preset -> evaluate -> fine-tune -> export -> verify -> report."""

import json
import os

import pytest

from zoo import cli


def test_quickstart_refuses_a_non_autoencoder_preset(tmp_path, capsys):
    assert cli.main(["quickstart", "--preset", "mnist_classifier",
                     "--out", str(tmp_path / "q")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "mnist_classifier" in err[0]
    assert not os.path.exists(tmp_path / "q")


@pytest.mark.slow
def test_quickstart_end_to_end(tmp_path, capsys):
    out = tmp_path / "quickstart"
    assert cli.main(["quickstart", "--test-examples", "200", "--iw-samples", "20",
                     "--out", str(out)]) == 0
    assert "export parity passed" in capsys.readouterr().out
    for name in ("report.md", "results.json", "reconstructions.png", "samples.png",
                 "latent_map.png", "finetune.png", "export/manifest.json"):
        assert (out / name).stat().st_size > 0, name
    results = json.loads((out / "results.json").read_text())
    assert results["export"]["passed"]
    runtimes = {row["runtime"] for row in results["export"]["latency"]}
    assert {"saved_model", "tflite", "onnx"} <= runtimes
    assert all(row["latency_ms"] > 0 for row in results["export"]["latency"])
    assert results["finetune"]["mse_after"] < results["finetune"]["mse_before"]
    # The quick evaluation agrees with the preset's card (subset, fewer samples).
    assert results["metrics"]["mse"] == pytest.approx(results["card_metrics"]["mse"], rel=0.15)
    assert "| onnx | reconstruct |" in (out / "report.md").read_text()
