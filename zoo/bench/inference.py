"""Inference: encode latency and throughput in every runtime, export time and size.

For the mlp, conv (presets `ae_mlp_mnist`, `ae_conv_mnist`) and recurrent
(an LSTM AE on `ecg_mitdb` windows) encoders, the model is exported to
SavedModel, ONNX and LiteRT fp32, and to LiteRT int8 (calibrated on training
data). Each runtime then encodes the same batch, the contenders interleaved
round by round (each round times every contender in turn), and the report
gives p50 / p95 per-call latency at batch 1 and examples/s at batch 256:

- Keras direct call (`model.encoder(x)`, eager), the same under
  `tf.function`, and `Model.predict`;
- the SavedModel `encode` signature (TensorFlow);
- ONNX Runtime and LiteRT, bare (`InferenceSession.run`, the interpreter's
  signature runner) and through `export.load_runtime` (input checks included);
- LiteRT int8 through `export.load_runtime`.

`load_runtime` overhead is the median over rounds of the per-round ratio of
p50 latencies (runtime / bare), both timed in the same round.

Used by `aezoo bench` and by the repository script `python -m bench.inference`.
"""

import os
import time

import numpy as np

from zoo.bench.results import markdown_table
from zoo.bench.timing import interleaved_call_seconds, paired_ratio, percentile

# ----------------------------------------------------------------- exports


def timed_export(model, out_dir, **options):
    """Exports `model` into `out_dir`; returns `(manifest, seconds, parity failures)`.

    `strict=False`: an artifact that misses its parity tolerance is still
    timed, and the failure is reported beside its numbers.
    """
    import export

    started = time.perf_counter()
    report = export.export_model(model, out_dir, endpoints=("encode", "reconstruct"),
                                 overwrite=True, strict=False, **options)
    return report.manifest, time.perf_counter() - started, report.failures()


def artifact_bytes(manifest):
    """Returns {"<format>/<endpoint>": bytes} of an export manifest.

    A SavedModel is one folder holding every endpoint's signature, so it has one entry.
    """
    return {("saved_model (all endpoints)" if a["format"] == "saved_model" else
             f"{a['format']}/{a['endpoint']}"): a["bytes"] for a in manifest["artifacts"]}


def reconstruction_mse(run, x):
    """Mean per-value squared error of `run`'s reconstructions of `x`."""
    return float(np.mean((np.asarray(run(x)) - x) ** 2))


# ----------------------------------------------------------------- contenders


def keras_contenders(model):
    """Keras encode paths: eager call, `tf.function`, `predict`."""
    import tensorflow as tf

    encoder = model.encoder
    graph = tf.function(lambda t: encoder(t, training=False), reduce_retracing=True)
    return {
        "keras call": lambda x: encoder(x, training=False).numpy(),
        "keras tf.function": lambda x: graph(tf.constant(x)).numpy(),
        "keras predict": lambda x: encoder.predict(x, verbose=0),
    }


def saved_model_contender(folder):
    """The SavedModel `encode` signature, numpy in and out."""
    import tensorflow as tf

    loaded = tf.saved_model.load(os.path.join(folder, "saved_model"))
    signature = loaded.signatures["encode"]

    def run(x):
        return signature(x=tf.constant(x))["z"].numpy()

    run.loaded = loaded  # keeps the variables alive
    return run


def bare_onnx(path):
    """`InferenceSession.run` with nothing around it."""
    import onnxruntime

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    output_names = [o.name for o in session.get_outputs()]
    return lambda x: session.run(output_names, {input_name: x})[0]


def bare_litert(path):
    """The LiteRT interpreter's signature runner with nothing around it."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=path)
    interpreter.allocate_tensors()
    runner = interpreter.get_signature_runner("encode")
    (input_name,) = runner.get_input_details()
    output_name = sorted(runner.get_output_details())[0]
    return lambda x: runner(**{input_name: x})[output_name]


def bare_litert_tensors(path):
    """LiteRT through `set_tensor` / `invoke` / `get_tensor`, the leanest Python path."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=path)
    interpreter.allocate_tensors()
    (input_detail,) = interpreter.get_input_details()
    output_index = interpreter.get_output_details()[0]["index"]
    input_index = input_detail["index"]

    def run(x):
        interpreter.set_tensor(input_index, x)
        interpreter.invoke()
        return interpreter.get_tensor(output_index)

    return run


def export_contenders(fp32_dir, int8_dir, batch_one):
    """Exported-runtime encode paths; the bare calls only at batch 1."""
    import export

    onnx_path = os.path.join(fp32_dir, "encode.onnx")
    tflite_path = os.path.join(fp32_dir, "encode.tflite")
    contenders = {"saved_model signature": saved_model_contender(fp32_dir)}
    if batch_one:
        contenders["onnxruntime bare"] = bare_onnx(onnx_path)
    contenders["onnxruntime load_runtime"] = export.load_runtime(onnx_path)
    if batch_one:
        contenders["litert fp32 bare"] = bare_litert(tflite_path)
        contenders["litert fp32 bare tensors"] = bare_litert_tensors(tflite_path)
    contenders["litert fp32 load_runtime"] = export.load_runtime(tflite_path)
    if int8_dir is not None:
        contenders["litert int8 load_runtime"] = export.load_runtime(
            os.path.join(int8_dir, "encode.tflite"))
    return contenders


# ----------------------------------------------------------------- one model


def model_result(backbone, label, model, x_train, x_test, rounds, calls, quick, work_dir):
    """Exports `model`, times every runtime at batch 1 and 256; returns its result dict.

    Args:
        backbone: str. Row key in the report.
        label: str. Model description.
        model: an aezoo `Autoencoder`.
        x_train: numpy array. Calibration data for int8.
        x_test: numpy array. Data to encode and reconstruct.
        rounds: int. Interleaved rounds.
        calls: int. Batch-1 calls per contender per round.
        quick: bool. Skip `predict` at batch 1 and measure MSE on 64 examples.
        work_dir: str. Folder for the exports.
    """
    fp32_dir = os.path.join(work_dir, f"{backbone}-fp32")
    int8_dir = os.path.join(work_dir, f"{backbone}-int8")
    fp32_manifest, fp32_seconds, failures = timed_export(model, fp32_dir)
    result = {"backbone": backbone, "model": label, "export_seconds_fp32": fp32_seconds,
              "bytes": artifact_bytes(fp32_manifest), "parity_failures": failures}
    try:
        int8_manifest, int8_seconds, int8_failures = timed_export(
            model, int8_dir, formats=("tflite",), quantize="int8",
            representative_data=x_train[:256])
        result["export_seconds_int8"] = int8_seconds
        result["parity_failures"] += [f"{name} (int8)" for name in int8_failures]
        result["bytes"].update({f"{k} int8": v for k, v in artifact_bytes(int8_manifest).items()})
    except Exception as error:  # recorded, not hidden: int8 conversion can fail per model
        int8_dir = None
        result["int8_error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
    result["parity"] = ", ".join(result["parity_failures"]) or "all passed"
    result.update(int8_quality(result, fp32_dir, int8_dir, x_test[:64 if quick else 512]))

    batch = x_test[:1]
    contenders = {**keras_contenders(model), **export_contenders(fp32_dir, int8_dir, True)}
    if quick:
        contenders.pop("keras predict")
    timings = interleaved_call_seconds(contenders, batch, rounds, calls)
    result["batch_1"] = {name: {"p50_ms": 1e3 * percentile(t, 50),
                                "p95_ms": 1e3 * percentile(t, 95)}
                         for name, t in timings.items()}
    result["load_runtime_overhead"] = {
        "onnxruntime": paired_ratio(timings["onnxruntime load_runtime"],
                                    timings["onnxruntime bare"]),
        "litert": paired_ratio(timings["litert fp32 load_runtime"],
                               timings["litert fp32 bare"]),
        "litert_vs_tensor_calls": paired_ratio(timings["litert fp32 load_runtime"],
                                               timings["litert fp32 bare tensors"])}
    # What a user of the export gets at full precision: load_runtime over ORT or LiteRT fp32.
    exported = ("onnxruntime load_runtime", "litert fp32 load_runtime")
    fastest = min(exported, key=lambda n: result["batch_1"][n]["p50_ms"])
    result["fastest_exported"] = fastest
    result["fastest_to_saved_model"] = paired_ratio(timings[fastest],
                                                    timings["saved_model signature"])

    big = np.ascontiguousarray(np.resize(x_test, (256,) + x_test.shape[1:]))
    contenders = {**keras_contenders(model), **export_contenders(fp32_dir, int8_dir, False)}
    timings = interleaved_call_seconds(contenders, big, rounds, max(2, calls // 20), warmup=1)
    result["batch_256_examples_per_s"] = {name: 256 / percentile(t, 50)
                                          for name, t in timings.items()}
    return result


def int8_quality(result, fp32_dir, int8_dir, x):
    """Size ratio and reconstruction MSE of LiteRT int8 against LiteRT fp32."""
    import export

    fp32_mse = reconstruction_mse(export.load_runtime(os.path.join(fp32_dir, "reconstruct.tflite")),
                                  x)
    quality = {"reconstruction_mse_fp32": fp32_mse}
    if int8_dir is None:
        return quality
    int8_mse = reconstruction_mse(export.load_runtime(os.path.join(int8_dir, "reconstruct.tflite")),
                                  x)
    sizes = result["bytes"]
    quality.update({
        "reconstruction_mse_int8": int8_mse, "int8_mse_ratio": int8_mse / fp32_mse,
        "int8_size_ratio_reconstruct": sizes["tflite/reconstruct int8"] / sizes[
            "tflite/reconstruct"],
        "int8_size_ratio_encode": sizes["tflite/encode int8"] / sizes["tflite/encode"]})
    return quality


# ----------------------------------------------------------------- report


LATENCY_ROWS = ("keras call", "keras tf.function", "keras predict", "saved_model signature",
                "onnxruntime bare", "onnxruntime load_runtime", "litert fp32 bare",
                "litert fp32 bare tensors", "litert fp32 load_runtime", "litert int8 load_runtime")


def latency_rows(results):
    """One markdown row per runtime: p50/p95 at batch 1 and examples/s at 256, per backbone."""
    rows = []
    for name in LATENCY_ROWS:
        row = {"runtime": name}
        for r in results:
            b = r["backbone"]
            if name in r["batch_1"]:
                row[f"{b}_p50"] = r["batch_1"][name]["p50_ms"]
                row[f"{b}_p95"] = r["batch_1"][name]["p95_ms"]
            if name in r["batch_256_examples_per_s"]:
                row[f"{b}_256"] = r["batch_256_examples_per_s"][name]
        rows.append(row)
    return rows


def markdown(payload):
    """Returns the markdown report of an inference payload."""
    results = payload["results"]
    columns = [("runtime", "encode runtime")]
    for r in results:
        b = r["backbone"]
        columns += [(f"{b}_p50", f"{b} b=1 p50 ms"), (f"{b}_p95", f"{b} p95 ms"),
                    (f"{b}_256", f"{b} b=256 ex/s")]
    summary = markdown_table(results, [
        ("backbone", "backbone"), ("model", "model"),
        ("export_seconds_fp32", "export s (SavedModel+ONNX+LiteRT, 2 endpoints)"),
        ("export_seconds_int8", "export s (LiteRT int8)"),
        ("fastest_exported", "fastest exported at b=1"),
        ("fastest_to_saved_model", "its p50 / SavedModel p50"),
        ("onnx_overhead", "load_runtime / bare ORT"),
        ("litert_overhead", "load_runtime / bare LiteRT signature runner"),
        ("litert_tensor_overhead", "load_runtime / bare LiteRT set/invoke/get"),
        ("int8_size_ratio_reconstruct", "int8 / fp32 size (reconstruct)"),
        ("int8_mse_ratio", "int8 / fp32 reconstruction MSE"),
        ("parity", "export parity failures")])
    sizes = [{"artifact": k, **{r["backbone"]: r["bytes"].get(k, "") for r in results}}
             for k in sorted({k for r in results for k in r["bytes"]})]
    size_table = markdown_table(sizes, [("artifact", "artifact")] + [
        (r["backbone"], f"{r['backbone']} bytes") for r in results])
    latency = markdown_table(latency_rows(results), columns)
    notes = "".join(f"\n\n{r['backbone']}: no int8 ({r['int8_error']})" for r in results
                    if "int8_error" in r)
    return (f"# Inference: encode latency and throughput ({payload['rounds']} interleaved "
            f"rounds of {payload['calls']} calls)\n\n{latency}\n\n## Summary\n\n{summary}{notes}"
            f"\n\n## Artifact sizes\n\n{size_table}\n")
