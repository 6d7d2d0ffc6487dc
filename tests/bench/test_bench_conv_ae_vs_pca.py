"""The AE-vs-PCA benchmark runs end to end on tiny settings (no timing asserted)."""

import json

from bench import conv_ae_vs_pca


def test_benchmark_writes_json_and_markdown(tmp_path):
    summary = conv_ae_vs_pca.main(["--epochs", "1", "--latent-dim", "4", "--out", str(tmp_path)])
    row = summary["rows"][0]
    assert 0 < row["ae_test_mse"] < 0.2 and 0 < row["pca_test_mse"] < 0.2
    saved = json.loads((tmp_path / "conv_ae_vs_pca.json").read_text())
    assert saved["rows"][0]["ratio"] == row["ratio"]
    assert "AE / PCA" in (tmp_path / "conv_ae_vs_pca.md").read_text()
