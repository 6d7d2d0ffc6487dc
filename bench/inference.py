"""Inference: encode latency and throughput in every runtime, mlp, conv and recurrent encoders.

The measuring code is `zoo.bench.inference` (also what `aezoo bench` runs);
this script picks the models: the presets `ae_mlp_mnist`, `ae_conv_mnist`
and an LSTM AE briefly trained on `ecg_mitdb` windows.

Run: python -m bench.inference [--rounds 7] [--quick] [--out DIR]
"""

import argparse
import os
import tempfile

from bench.common import write_results
from zoo.bench.inference import markdown, model_result
from zoo.bench.timing import call_seconds, interleaved_call_seconds, paired_ratio, percentile

__all__ = ["call_seconds", "interleaved_call_seconds", "paired_ratio", "percentile"]

BACKBONES = ("mlp", "conv", "recurrent")
PRESETS = {"mlp": "ae_mlp_mnist", "conv": "ae_conv_mnist"}


def trained_recurrent(quick):
    """Returns `(model, x_train, x_test)`: an LSTM AE briefly trained on ECG windows."""
    import keras

    import zoo

    x_train, _ = zoo.datasets.load("ecg_mitdb", "train", window=64, stride=16)
    x_test, _ = zoo.datasets.load("ecg_mitdb", "test", window=64, stride=16)
    keras.utils.set_random_seed(0)
    model = zoo.build("ae", input_shape=x_train.shape[1:], latent_dim=8, backbone="recurrent",
                      units=16 if quick else 64)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    model.fit(x_train, epochs=1 if quick else 10, batch_size=32, verbose=0)
    return model, x_train, x_test


def tiny_mnist_model(backbone):
    """Returns an untrained small mnist model (quick mode: numbers mean nothing)."""
    import keras

    import zoo

    keras.utils.set_random_seed(0)
    options = {"mlp": {"hidden_units": (32,)}, "conv": {"filters": (4,)}}[backbone]
    return zoo.build("ae", input_shape=(28, 28, 1), latent_dim=4, backbone=backbone, **options)


def model_and_data(backbone, quick):
    """Returns `(label, model, x_train, x_test)` for a backbone."""
    import zoo

    if backbone == "recurrent":
        model, x_train, x_test = trained_recurrent(quick)
        return "ae recurrent (LSTM, ecg_mitdb)", model, x_train, x_test
    x_train, _ = zoo.datasets.load("mnist5k", "train")
    x_test, _ = zoo.datasets.load("mnist5k", "test")
    if quick:
        return f"tiny ae {backbone}", tiny_mnist_model(backbone), x_train, x_test
    return PRESETS[backbone], zoo.load(PRESETS[backbone]), x_train, x_test


def backbone_result(backbone, rounds, calls, quick, work_dir):
    """Exports one backbone's model, times every runtime; returns its result dict."""
    label, model, x_train, x_test = model_and_data(backbone, quick)
    return model_result(backbone, label, model, x_train, x_test, rounds, calls, quick, work_dir)


def run(backbones=BACKBONES, rounds=7, calls=50, quick=False, out_dir=None):
    """Measures every backbone and writes `inference.json` and `.md`; returns the payload."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    results = []
    with tempfile.TemporaryDirectory() as work_dir:
        for backbone in backbones:
            result = backbone_result(backbone, rounds, calls, quick, work_dir)
            result["onnx_overhead"] = result["load_runtime_overhead"]["onnxruntime"]
            result["litert_overhead"] = result["load_runtime_overhead"]["litert"]
            result["litert_tensor_overhead"] = result["load_runtime_overhead"][
                "litert_vs_tensor_calls"]
            print(f"{backbone}: fastest {result['fastest_exported']} "
                  f"{result['fastest_to_saved_model']:.3f}x SavedModel; load_runtime overhead "
                  f"ORT {result['onnx_overhead']:.3f}, LiteRT {result['litert_overhead']:.3f}",
                  flush=True)
            results.append(result)
    payload = {"rounds": rounds, "calls": calls, "quick": quick, "results": results}
    kwargs = {"out_dir": out_dir} if out_dir else {}
    write_results("inference", payload, markdown(payload), **kwargs)
    return payload


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbones", default=",".join(BACKBONES))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=50, help="batch-1 calls per round")
    parser.add_argument("--quick", action="store_true",
                        help="tiny untrained mlp model, 2 rounds of 10 calls: checks that it runs")
    parser.add_argument("--out", default=None, help="results folder (default bench/results)")
    args = parser.parse_args(argv)
    backbones = tuple(args.backbones.split(","))
    if args.quick:
        backbones, args.rounds, args.calls = ("mlp",), 2, 10
    return run(backbones, args.rounds, args.calls, args.quick, args.out)


if __name__ == "__main__":
    main()
