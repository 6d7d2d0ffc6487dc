"""The performance benchmarks run end to end on tiny settings (no timing asserted).

Each script's `main` runs with `--quick` into a temporary folder; the tests
check the JSON keys and that every measured number is positive.
"""

import json

import pytest

from bench import inference, peak, run_all, train_throughput
from zoo import cli


def positive_numbers(values):
    """True when every value is a finite number > 0."""
    return all(isinstance(v, float | int) and 0 < v < float("inf") for v in values)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return tmp_path_factory.mktemp("bench_results")


def saved(results, name):
    return json.loads((results / f"{name}.json").read_text())


def test_train_throughput_quick(results):
    train_throughput.main(["--quick", "--out", str(results)])
    payload = saved(results, "train_throughput")
    assert {(r["variant"], r["backbone"]) for r in payload["models"]} == {("ae", "mlp"),
                                                                          ("vae", "mlp")}
    for row in payload["models"]:
        assert positive_numbers([row["zoo_samples_per_s"], row["plain_samples_per_s"],
                                 row["ratio_zoo_to_plain"], row["ratio_zoo_to_plain_whole_call"]])
    assert {r["pipeline"] for r in payload["pipelines"]} >= {"numpy arrays", "from_files .npz"}
    assert positive_numbers([r["samples_per_s"] for r in payload["pipelines"]])
    assert payload["machine"]["date"] and payload["command"]


@pytest.mark.slow
def test_inference_quick(results):
    inference.main(["--quick", "--out", str(results)])
    (result,) = saved(results, "inference")["results"]
    for name in ("saved_model signature", "onnxruntime bare", "onnxruntime load_runtime",
                 "litert fp32 bare", "litert fp32 load_runtime", "litert int8 load_runtime"):
        assert positive_numbers(result["batch_1"][name].values()), name
    assert positive_numbers(result["batch_256_examples_per_s"].values())
    assert positive_numbers(result["load_runtime_overhead"].values())
    assert positive_numbers([result["fastest_to_saved_model"], result["int8_mse_ratio"],
                             result["int8_size_ratio_reconstruct"], result["export_seconds_fp32"]])
    assert positive_numbers(result["bytes"].values())
    assert "| onnxruntime load_runtime |" in (results / "inference.md").read_text()


def test_peak_quick(results):
    peak.main(["--quick", "--out", str(results)])
    payload = saved(results, "peak")
    assert {p["engine"] for p in payload["peaks"].values()} == set(peak.PEAK_ENGINES)
    assert positive_numbers([p["median_gflops"] for p in payload["peaks"].values()])
    assert payload["encoder_flops"] == 2 * 256 * (28 * 28 * 32 + 32 * 4)
    assert positive_numbers([r["gflops"] for r in payload["rows"]])
    assert payload["fastest_runtime"] in {r["runtime"] for r in payload["rows"]}


def test_readme_concatenates_the_results(results, tmp_path):
    # Whatever the quick runs above wrote (the inference one runs only with -m slow).
    readme = run_all.write_readme(str(results), str(tmp_path / "README.md"))
    text = open(readme).read()
    assert text.startswith("# aezoo benchmarks")
    written = sorted(results.glob("*.md"))
    assert {p.stem for p in written} >= {"train_throughput", "peak"}
    titles = ["#" + p.read_text().splitlines()[0] for p in written]
    assert all(title in text for title in titles)
    assert "Command: `python" in text


def test_readme_of_the_committed_results_has_every_headline(tmp_path):
    text = open(run_all.write_readme(run_all.RESULTS, str(tmp_path / "README.md"))).read()
    for title in ("## Headlines", "## Training throughput", "## Inference",
                  "## Distance to the limit", "## Training speed against pythae"):
        assert title in text


def test_cli_bench_times_an_export_folder(tmp_path, capsys):
    import export
    import zoo

    model = zoo.build("ae", input_shape=(8, 8, 1), latent_dim=2, hidden_units=(8,))
    export.export_model(model, str(tmp_path / "export"), formats=("onnx", "tflite"),
                        endpoints=("encode",))
    status = cli.main(["bench", str(tmp_path / "export"), "--quick", "--out",
                       str(tmp_path / "out")])
    assert status == 0
    rows = json.loads((tmp_path / "out" / "bench.json").read_text())["rows"]
    assert {r["artifact"] for r in rows} == {"encode onnx", "encode tflite"}
    assert positive_numbers([v for r in rows for k, v in r.items() if k != "artifact"])
    assert cli.main(["bench", str(tmp_path), "--out", str(tmp_path / "x")]) == 2
    assert "aezoo bench: error:" in capsys.readouterr().err
