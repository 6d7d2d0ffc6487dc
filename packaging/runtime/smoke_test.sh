#!/usr/bin/env bash
# aezoo-runtime smoke test: build its wheel, install it into a venv WITHOUT TensorFlow,
# and run an exported preset's ONNX and LiteRT endpoints against Keras' outputs.
#
# 1. with the repository's .venv: export ae_conv_mnist (encode; ONNX + LiteRT) and
#    save Keras' reference outputs on 16 test digits;
# 2. a fresh venv gets only the aezoo-runtime wheel (+ numpy, onnxruntime, ai-edge-litert
#    from the package index); TensorFlow must not be importable there;
# 3. aezoo_runtime.load_runtime runs both artifacts: ONNX within 1e-5, LiteRT within 1e-4.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY=${PYTHON:-$REPO/.venv/bin/python}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/aezoo-runtime-check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
started=$(date +%s)
say() { echo "[runtime-check $(( $(date +%s) - started ))s] $*"; }

say "building the aezoo-runtime wheel"
"$PY" -m pip wheel --no-deps -q "$REPO/packaging/runtime" -w "$WORK/dist" >/dev/null
WHEEL=$(ls "$WORK"/dist/aezoo_runtime-*.whl)
say "$(basename "$WHEEL"): $(unzip -l "$WHEEL" | tail -1 | awk '{print $1}') bytes unpacked"

say "exporting ae_conv_mnist (encode: ONNX, LiteRT) with the TensorFlow venv"
"$REPO/.venv/bin/aezoo" export ae_conv_mnist --formats onnx,tflite --endpoints encode \
  --out "$WORK/artifacts" >/dev/null
"$PY" - "$WORK" <<'PYEOF'
import sys
import numpy as np
import zoo
x, _ = zoo.datasets.load("mnist5k", "test")
x = x[:16]
np.savez(f"{sys.argv[1]}/reference.npz", x=x, z=np.asarray(zoo.load("ae_conv_mnist").encode(x)))
PYEOF

BASE=$("$PY" -c 'import sys; print(sys._base_executable)')
"$BASE" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q "$WHEEL"
say "installed into a venv without TensorFlow: $("$WORK/venv/bin/python" -m pip list 2>/dev/null | awk 'NR>2{printf "%s ", $1}')"

cd "$WORK" && "$WORK/venv/bin/python" - <<'PYEOF'
import importlib.util, sys
import numpy as np
import aezoo_runtime
for heavy in ("tensorflow", "keras", "zoo", "export"):
    assert importlib.util.find_spec(heavy) is None, f"{heavy} is installed in the runtime venv"
reference = np.load("reference.npz")
for name, tolerance in (("encode.onnx", 1e-5), ("encode.tflite", 1e-4)):
    run = aezoo_runtime.load_runtime(f"artifacts/{name}", endpoint="encode")
    error = float(np.max(np.abs(run(reference["x"]) - reference["z"])))
    assert error <= tolerance, (name, error)
    print(f"{name}: max |aezoo_runtime - keras| = {error:.2e} (tolerance {tolerance:g})")
try:
    aezoo_runtime.load_runtime("artifacts/nothing.onnx")
except FileNotFoundError as error:
    print(f"missing file: {error}")
assert not any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules)
print("no TensorFlow or Keras imported")
PYEOF
say "aezoo-runtime smoke test passed"
