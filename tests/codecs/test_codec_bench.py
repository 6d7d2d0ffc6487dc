"""bench/codecs.py: BD-rate and the bytes-at-equal-PSNR interpolation; a quick end-to-end run."""

import json

import numpy as np
import pytest

from bench import codecs as bench_codecs


def _curve(scale):
    return [{"psnr": p, "bytes": scale * np.exp(p / 10)} for p in (20.0, 24.0, 28.0, 32.0)]


def test_bd_rate_of_a_curve_at_half_the_bytes_is_minus_50_percent():
    assert bench_codecs.bd_rate(_curve(100), _curve(50)) == pytest.approx(-50.0, abs=1e-6)
    assert bench_codecs.bd_rate(_curve(100), _curve(100)) == pytest.approx(0.0, abs=1e-6)
    disjoint = [{"psnr": p + 30, "bytes": b["bytes"]} for p, b in zip((20, 24, 28, 32),
                                                                      _curve(1), strict=True)]
    assert bench_codecs.bd_rate(_curve(100), disjoint) is None


def test_bytes_at_equal_psnr_interpolate_inside_the_curve_only():
    curve = _curve(100)
    assert bench_codecs.interpolate_bytes(curve, 26.0) == pytest.approx(100 * np.exp(2.6))
    assert bench_codecs.interpolate_bytes(curve, 19.0) is None
    assert bench_codecs.interpolate_bytes(curve, 33.0) is None


def test_opus_pesq_is_interpolated_over_measured_rates_inside_the_sweep_only():
    from bench.speech import opus_at

    summary = [{"codec": "opus 6 kbps", "kbps": 6.7, "pesq_wb": 1.8},
               {"codec": "opus 5 kbps", "kbps": 5.5, "pesq_wb": 1.2},
               {"codec": "conv_speech", "kbps": 6.0, "pesq_wb": 4.0}]
    assert opus_at(summary, 6.1) == pytest.approx(1.5)
    assert opus_at(summary, 5.5) == pytest.approx(1.2)
    assert opus_at(summary, 5.0) is None and opus_at(summary, 7.0) is None


def test_ms_ssim_is_one_for_equal_images_and_drops_with_noise():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (28, 28))
    assert bench_codecs.ms_ssim(x, x) == pytest.approx(1.0)
    assert bench_codecs.ms_ssim(x, np.clip(x + rng.normal(0, 0.2, x.shape), 0, 1)) < 0.9


@pytest.mark.slow
def test_quick_run_writes_results(tmp_path):
    bench_codecs.main(["--quick", "--skip-audio", "--out", str(tmp_path)])
    payload = json.loads((tmp_path / "codecs.json").read_text())
    rows = payload["images"]["per_image"]["vs_classical"]
    assert rows and all(r["bytes"] > 0 for r in rows)
    learned = [r for r in payload["images"]["per_image"]["rows"] if r["codec"] == "learned"]
    assert all(r["same_bytes_as_keras"] for r in learned)
