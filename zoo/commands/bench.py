"""`aezoo bench`: encode latency and throughput of a preset, a `.keras` file or an export.

A preset or `.keras` file is exported (SavedModel, ONNX, LiteRT fp32 and
int8) and timed in every runtime by `zoo.bench.inference`. An export folder
is timed as it is: each of its artifacts through `export.load_runtime`, at
batch 1 (p50/p95) and at batch 256 (examples/s), interleaved round by round.
"""

import os
import tempfile


def is_export_folder(path):
    """True when `path` is an aezoo export folder (it holds an export manifest.json)."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, "manifest.json")) and (
        not os.path.isfile(os.path.join(path, "saved_model.pb")))


def model_data(name, model):
    """Returns `(x_train, x_test)`: the preset's dataset, else seeded uniform data."""
    import numpy as np

    from zoo import datasets, hub

    try:
        dataset = hub.preset_info(name).get("dataset")
    except ValueError:
        dataset = None
    if dataset in datasets.list_datasets():
        x_train, _ = datasets.load(dataset, "train")
        x_test, _ = datasets.load(dataset, "test")
        if x_train.shape[1:] == model.data_shape:
            return x_train, x_test
    rng = np.random.default_rng(0)
    data = rng.random((1280,) + tuple(model.data_shape), dtype=np.float32)
    return data[:1024], data[1024:]


def model_payload(args):
    """Exports and times a preset or `.keras` model in every runtime."""
    from zoo import hub, quiet

    quiet.import_tensorflow()
    from zoo.bench import inference

    model = hub.load(args.target)
    x_train, x_test = model_data(args.target, model)
    print(f"aezoo bench: exporting {args.target} and timing encode in every runtime "
          f"({args.rounds} rounds)", flush=True)
    with tempfile.TemporaryDirectory() as work_dir:
        result = inference.model_result(model.backbone, args.target, model, x_train, x_test,
                                        args.rounds, args.calls, args.quick, work_dir)
    result["onnx_overhead"] = result["load_runtime_overhead"]["onnxruntime"]
    result["litert_overhead"] = result["load_runtime_overhead"]["litert"]
    result["litert_tensor_overhead"] = result["load_runtime_overhead"]["litert_vs_tensor_calls"]
    payload = {"target": args.target, "rounds": args.rounds, "calls": args.calls,
               "quick": args.quick, "results": [result]}
    return payload, inference.markdown(payload)


def export_payload(args):
    """Times each artifact of an export folder through `export.load_runtime`."""
    import json

    import numpy as np

    import export
    from zoo.bench.results import markdown_table
    from zoo.bench.timing import interleaved_call_seconds, percentile

    with open(os.path.join(args.target, "manifest.json")) as f:
        manifest = json.load(f)
    runs = {}
    for artifact in manifest.get("artifacts", []):
        name = f"{artifact['endpoint']} {artifact['format']}"
        quantization = artifact.get("quantization")
        mode = quantization.get("mode") if isinstance(quantization, dict) else quantization
        if mode:
            name += f" {mode}"
        runs[name] = export.runtime.load_artifact(args.target, artifact)
    if not runs:
        raise ValueError(f"{args.target} lists no artifacts in its manifest.json.")
    rng = np.random.default_rng(0)
    groups = {}
    for name, run in runs.items():
        groups.setdefault(tuple(run.input_shape[1:]), {})[name] = run
    rows = []
    for shape, contenders in groups.items():
        one = rng.random((1,) + shape, dtype=np.float32)
        big = rng.random((256,) + shape, dtype=np.float32)
        small = interleaved_call_seconds(contenders, one, args.rounds, args.calls)
        large = interleaved_call_seconds(contenders, big, args.rounds,
                                                   max(2, args.calls // 20), warmup=1)
        rows += [{"artifact": name, "p50_ms": 1e3 * percentile(small[name], 50),
                  "p95_ms": 1e3 * percentile(small[name], 95),
                  "examples_per_s_256": 256 / percentile(large[name], 50)}
                 for name in contenders]
    table = markdown_table(rows, [
        ("artifact", "artifact (load_runtime)"), ("p50_ms", "b=1 p50 ms"),
        ("p95_ms", "b=1 p95 ms"), ("examples_per_s_256", "b=256 examples/s")])
    payload = {"target": args.target, "rounds": args.rounds, "calls": args.calls, "rows": rows}
    return payload, f"# {args.target}: exported runtimes\n\n{table}\n"


def run(args):
    if args.rounds < 1 or args.calls < 1:
        raise ValueError(f"--rounds and --calls must be positive. Received: {args.rounds}, "
                         f"{args.calls}")
    if args.quick:
        args.rounds, args.calls = 2, 10
    if is_export_folder(args.target):
        payload, markdown = export_payload(args)
    elif os.path.exists(args.target) and not args.target.endswith(".keras"):
        raise ValueError("aezoo bench expects a preset name, a .keras file or an export "
                         f"folder (with manifest.json). Received: {args.target!r}")
    else:
        payload, markdown = model_payload(args)
    from zoo.bench.results import write_results

    json_path, md_path = write_results("bench", payload, markdown, out_dir=args.out)
    print(markdown)
    print(f"wrote {json_path}, {md_path}")
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser(
        "bench", help="time encode latency/throughput of a preset, .keras file or export folder")
    p.add_argument("target", metavar="PRESET_OR_EXPORT_DIR",
                   help="preset name (aezoo list), .keras file, or export folder")
    p.add_argument("--quick", action="store_true", help="2 rounds of 10 calls")
    p.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default: 7)")
    p.add_argument("--calls", type=int, default=100,
                   help="batch-1 calls per runtime per round (default: 100)")
    p.add_argument("--out", default=os.path.join("runs", "bench"),
                   help="folder for bench.json and bench.md (default: runs/bench)")
    p.set_defaults(run=run)
