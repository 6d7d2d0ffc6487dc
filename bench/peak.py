"""Distance to the limit: the MLP encoder's GFLOP/s at batch 256 against the matmul peak.

The peak is a float32 1024^3 matmul, and a 512^3 one (268 MFLOP, the work of
one encoder call, so equally exposed to the shared machine's preemptions),
measured in fresh processes (TensorFlow's thread pools, once started in a
process, skew it): numpy with
`OPENBLAS_CORETYPE` as found in the environment and unset, and ONNX Runtime's
MatMul, interleaved, before this process imports TensorFlow and again at the
end. The reference peak is the highest median of them all. FLOPs of the
encoder are counted from its layer shapes: 2 * batch * inputs * units per
Dense layer (bias adds and activations, O(batch * units), are left out).

Each runtime then encodes the same batch of 256 examples, interleaved round
by round; GFLOP/s = FLOPs / median call time. The fraction of the peak uses
the reference peak measured in the same run.

Run: python -m bench.peak [--rounds 7] [--quick] [--out DIR]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from bench.common import markdown_table, write_results

BATCH = 256
NUMPY_PEAK = """
import json, sys, time
import numpy as np
n, repeats = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
a = rng.random((n, n), dtype=np.float32)
b = rng.random((n, n), dtype=np.float32)
run = lambda: a @ b
for _ in range(3):
    run()
seconds = []
for _ in range(repeats):
    started = time.perf_counter()
    run()
    seconds.append(time.perf_counter() - started)
print(json.dumps(seconds))
"""
# The same matmul as a one-node ONNX graph on ONNX Runtime (MLAS kernels).
ONNX_PEAK = NUMPY_PEAK.replace("run = lambda: a @ b", """
import onnx, onnxruntime
from onnx import TensorProto, helper
graph = helper.make_graph(
    [helper.make_node("MatMul", ["a", "b"], ["c"])], "matmul",
    [helper.make_tensor_value_info(k, TensorProto.FLOAT, [n, n]) for k in ("a", "b")],
    [helper.make_tensor_value_info("c", TensorProto.FLOAT, [n, n])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
session = onnxruntime.InferenceSession(model.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
run = lambda: session.run(None, {"a": a, "b": b})""")
# Engine -> (script, unset OPENBLAS_CORETYPE).
PEAK_ENGINES = {"numpy, OPENBLAS_CORETYPE as found": (NUMPY_PEAK, False),
                "numpy, OPENBLAS_CORETYPE unset": (NUMPY_PEAK, True),
                "onnxruntime MatMul": (ONNX_PEAK, False)}


def matmul_seconds(engine, size, repeats):
    """Per-call seconds of an `size`^3 float32 matmul on `engine` in a fresh process."""
    script, coretype_unset = PEAK_ENGINES[engine]
    env = dict(os.environ)
    if coretype_unset:
        env.pop("OPENBLAS_CORETYPE", None)
    output = subprocess.run([sys.executable, "-c", script, str(size), str(repeats)],
                            env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def matmul_rounds(sizes, repeats, rounds, seconds=None):
    """Adds `rounds` interleaved rounds of every engine and size to `seconds`; returns it.

    Keys are `(engine, size)`; values lists of per-call seconds.
    """
    seconds = seconds if seconds is not None else {}
    for _ in range(rounds):
        for size in sizes:
            for engine in PEAK_ENGINES:
                seconds.setdefault((engine, size), []).extend(
                    matmul_seconds(engine, size, repeats))
    return seconds


def matmul_peaks(seconds):
    """GFLOP/s (median and best call) of each peak engine and size."""
    return {f"{engine}, {size}^3": {
        "engine": engine, "size": size, "median_gflops": 2.0 * size**3 / np.median(s) / 1e9,
        "best_gflops": 2.0 * size**3 / np.min(s) / 1e9, "calls": len(s)}
        for (engine, size), s in seconds.items()}


def dense_flops(model, batch):
    """2 * batch * inputs * units summed over the Dense layers of `model` (nested too)."""
    import keras

    total = 0
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.Dense):
            inputs, units = layer.kernel.shape
            total += 2 * batch * int(inputs) * int(units)
    return total


def numpy_encoder(model):
    """The MLP encoder as numpy matmuls (the same OpenBLAS as the peak)."""
    import keras

    layers = [layer for layer in model._flatten_layers(include_self=False)
              if isinstance(layer, keras.layers.Dense)]
    weights = [(np.asarray(layer.kernel), np.asarray(layer.bias), layer.activation.__name__)
               for layer in layers]

    def run(x):
        h = x.reshape(len(x), -1)
        for kernel, bias, activation in weights:
            h = h @ kernel + bias
            if activation == "relu":
                np.maximum(h, 0, out=h)
        return h

    return run


def runtime_contenders(model, folder, threads):
    """Encode functions of the MLP encoder in each runtime."""
    import onnxruntime
    import tensorflow as tf

    import export

    export.export_model(model, folder, formats=("saved_model", "onnx", "tflite"),
                        endpoints=("encode",), overwrite=True)
    encoder = model.encoder
    graph = tf.function(lambda t: encoder(t, training=False))
    loaded = tf.saved_model.load(os.path.join(folder, "saved_model"))
    signature = loaded.signatures["encode"]
    onnx_path = os.path.join(folder, "encode.onnx")
    tflite_path = os.path.join(folder, "encode.tflite")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    contenders = {
        "numpy (OpenBLAS)": numpy_encoder(encoder),
        "keras tf.function": lambda x: graph(tf.constant(x)).numpy(),
        "saved_model signature": lambda x: signature(x=tf.constant(x))["z"].numpy(),
        "onnxruntime (default threads)": export.load_runtime(onnx_path),
        f"onnxruntime ({threads} threads)": export.load_runtime(onnx_path,
                                                                  session_options=options),
        "litert fp32 (default threads)": export.load_runtime(tflite_path),
        f"litert fp32 ({threads} threads)": export.load_runtime(tflite_path, num_threads=threads),
    }
    contenders["saved_model signature"].loaded = loaded  # keeps the variables alive
    return contenders


def encoder_rows(model, x, rounds, calls, threads):
    """GFLOP/s of the encoder at batch 256 in each runtime, interleaved."""
    from bench.inference import interleaved_call_seconds

    flops = dense_flops(model.encoder, BATCH)
    with tempfile.TemporaryDirectory() as folder:
        contenders = runtime_contenders(model, folder, threads)
        timings = interleaved_call_seconds(contenders, x, rounds, calls, warmup=2)
    rows = []
    for name, rounds_seconds in timings.items():
        seconds = np.concatenate(rounds_seconds)
        rows.append({"runtime": name, "p50_ms": 1e3 * float(np.median(seconds)),
                     "gflops": flops / float(np.median(seconds)) / 1e9,
                     "best_gflops": flops / float(np.min(seconds)) / 1e9})
    return flops, rows


def load_mlp(quick):
    """Returns `(label, model)`: the `ae_mlp_mnist` preset, or a tiny model when quick."""
    import keras

    import zoo

    if quick:
        keras.utils.set_random_seed(0)
        return "tiny ae mlp", zoo.build("ae", input_shape=(28, 28, 1), latent_dim=4,
                                        hidden_units=(32,))
    return "ae_mlp_mnist", zoo.load("ae_mlp_mnist")


def run(rounds=7, calls=20, matmul_sizes=(1024, 512), matmul_repeats=20, quick=False,
        out_dir=None, threads=None):
    """Measures the peak, then the encoder; writes `peak.json` and `.md`; returns the payload."""
    # The peak first, in fresh processes, before TensorFlow starts any thread pool here.
    peak_seconds = matmul_rounds(matmul_sizes, matmul_repeats, 1 if quick else 3)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import zoo

    threads = threads or os.cpu_count()
    label, model = load_mlp(quick)
    x, _ = zoo.datasets.load("mnist5k", "test")
    x = np.ascontiguousarray(x[:BATCH])
    flops, rows = encoder_rows(model, x, rounds, calls, threads)
    # Again at the end, this process idle, so load from other users hits both ends alike.
    time.sleep(1.0)
    peaks = matmul_peaks(matmul_rounds(matmul_sizes, matmul_repeats, 1 if quick else 2,
                                       peak_seconds))
    peak_name = max(peaks, key=lambda name: peaks[name]["median_gflops"])
    peak = peaks[peak_name]["median_gflops"]
    best_peak = max(p["best_gflops"] for p in peaks.values())
    for row in rows:
        row["fraction_of_peak"] = row["gflops"] / peak
        row["best_fraction_of_best_peak"] = row["best_gflops"] / best_peak
    fastest = max(rows, key=lambda row: row["gflops"])
    payload = {"model": label, "batch": BATCH, "encoder_flops": flops, "threads": threads,
               "matmul_sizes": list(matmul_sizes), "peaks": peaks,
               "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"), "peak_setting": peak_name,
               "peak_gflops": peak, "best_peak_gflops": best_peak, "rows": rows,
               "fastest_runtime": fastest["runtime"],
               "fastest_fraction_of_peak": fastest["fraction_of_peak"],
               "rounds": rounds, "calls": calls, "quick": quick}
    print(f"peak {peak:.1f} GFLOP/s ({peak_name}); fastest "
          f"{fastest['runtime']} {fastest['gflops']:.1f} GFLOP/s = "
          f"{fastest['fraction_of_peak']:.2f} of peak", flush=True)
    kwargs = {"out_dir": out_dir} if out_dir else {}
    write_results("peak", payload, markdown(payload), **kwargs)
    return payload


def markdown(payload):
    """Returns the markdown report of a peak payload."""
    peaks = [{"name": name, **p} for name, p in payload["peaks"].items()]
    peak_table = markdown_table(peaks, [("name", "float32 matmul (fresh process)"),
                                        ("median_gflops", "median GFLOP/s"),
                                        ("best_gflops", "best GFLOP/s"), ("calls", "calls")])
    rows = markdown_table(payload["rows"], [
        ("runtime", "runtime"), ("p50_ms", "p50 ms"), ("gflops", "GFLOP/s (p50)"),
        ("fraction_of_peak", "of reference peak"), ("best_gflops", "GFLOP/s (best call)"),
        ("best_fraction_of_best_peak", "best / best peak")])
    sizes = " and ".join(f"{n}x{n}x{n}" for n in payload["matmul_sizes"])
    return (f"# Distance to the limit: {payload['model']} encoder at batch {payload['batch']}"
            f"\n\nPeak: float32 {sizes} matmuls in fresh processes, before and after the "
            f"encoder runs (OPENBLAS_CORETYPE here: {payload['OPENBLAS_CORETYPE']}). The "
            f"reference is the highest median.\n\n{peak_table}"
            f"\n\nEncoder: {payload['encoder_flops'] / 1e6:.1f} MFLOP per batch (Dense layers, "
            f"2*m*n*k); {payload['threads']} threads where a runtime takes a count.\n\n{rows}\n\n"
            f"Fastest: {payload['fastest_runtime']} at {payload['fastest_fraction_of_peak']:.2f}"
            f" of the reference peak ({payload['peak_gflops']:.1f} GFLOP/s, "
            f"{payload['peak_setting']}).\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=20, help="calls per runtime per round")
    parser.add_argument("--threads", type=int, default=None, help="default: os.cpu_count()")
    parser.add_argument("--quick", action="store_true",
                        help="tiny model, small matmul, 2 rounds: checks that it runs")
    parser.add_argument("--out", default=None, help="results folder (default bench/results)")
    args = parser.parse_args(argv)
    sizes, repeats = ((1024, 512), 20) if not args.quick else ((256,), 5)
    if args.quick:
        args.rounds, args.calls = 2, 3
    return run(args.rounds, args.calls, sizes, repeats, args.quick, args.out, args.threads)


if __name__ == "__main__":
    main()
