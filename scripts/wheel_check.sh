#!/usr/bin/env bash
# The installed wheel is not the checkout (DESIGN §9): build the wheel, install it into
# a clean venv outside the checkout, and use it from an empty folder the way a user would.
#
#   1. every preset listed and loaded (they ship inside the wheel);
#   2. every codec preset listed, loaded and round-tripped (a VQ codec loads its model
#      preset by name from the wheel); `aezoo compress` / `aezoo decompress` exit 0;
#      `aezoo quickstart` and `aezoo bench ae_conv_mnist --quick` exit 0;
#   3. `aezoo publish` -> a local http.server on 127.0.0.1 -> zoo.load(URL) gives outputs
#      identical to the shipped preset, lands in AEZOO_CACHE, loads again with the server
#      stopped; a tampered model.keras behind a URL is refused naming sha256, nothing cached;
#   4. no TensorFlow C++ start-up line (E0000/W0000/I0000, cuInit, cudart) reaches the
#      terminal from any of those commands.
#
# Usage: scripts/wheel_check.sh            (third-party packages reused from .venv, fast)
#        WHEEL_CHECK_DEPS=install scripts/wheel_check.sh   (pip installs every dependency)
# In `reuse` mode the clean venv sees .venv's site-packages through a .pth line (not as a
# site dir, so .venv's editable aezoo is invisible); aezoo itself comes only from the wheel.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-$REPO/.venv/bin/python}
DEPS=${WHEEL_CHECK_DEPS:-reuse}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/aezoo-wheel-check.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
started=$(date +%s)
say() { echo "[wheel-check $(( $(date +%s) - started ))s] $*"; }

say "building the wheel from a copy of the working tree (no stale build/ folder)"
mkdir -p "$WORK/src"
(cd "$REPO" && git ls-files -z --cached --others --exclude-standard \
  | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$WORK/src"
"$PY" -m pip wheel --no-deps -q "$WORK/src" -w "$WORK/dist" >/dev/null
WHEEL=$(ls "$WORK"/dist/aezoo-*.whl)
say "$(basename "$WHEEL"): $(du -h "$WHEEL" | cut -f1), $(unzip -l "$WHEEL" | grep -c 'zoo/saved_models/') preset files"

BASE=$("$PY" -c 'import sys; print(sys._base_executable)')
"$BASE" -m venv "$WORK/venv"
V="$WORK/venv/bin"
if [ "$DEPS" = reuse ]; then
  SITE=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  NEW_SITE=$("$V/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$SITE" > "$NEW_SITE/zz_aezoo_wheel_check_deps.pth"
  "$V/python" -m pip install -q --no-deps "$WHEEL"
else
  "$V/python" -m pip install -q "$WHEEL"
fi
say "installed into a clean venv ($DEPS dependencies)"

mkdir -p "$WORK/empty" && cd "$WORK/empty"
export AEZOO_CACHE="$WORK/cache" HOME="$WORK/home" MPLCONFIGDIR="$WORK/mpl"
unset TF_CPP_MIN_LOG_LEVEL AEZOO_SAVED_MODELS AEZOO_DEBUG PYTHONPATH || true
LOGS="$WORK/logs" && mkdir -p "$LOGS"

run() {  # run NAME COMMAND...: output to the terminal and to a log for the chatter check
  local name=$1; shift
  say "$*"
  "$@" > >(tee "$LOGS/$name.out") 2> >(tee "$LOGS/$name.err" >&2)
}

run list "$V/aezoo" list
run python "$V/python" - "$REPO" <<'EOF'
import json, os, sys
import numpy as np
import zoo
here = os.path.dirname(zoo.__file__)
assert here.startswith(sys.prefix), f"zoo imported from {here}, not from the wheel"
with open(os.path.join(sys.argv[1], "saved_models", "manifest.json")) as f:
    expected = sorted(json.load(f)["presets"])
names = zoo.list_presets()
assert names == expected, (names, expected)
for name in names:
    model = zoo.load(name)
    print(f"loaded {name}: {type(model).__name__} from {zoo.hub.saved_models_dir()}")
print(f"{len(names)} presets listed and loaded from the wheel")
EOF
run codecs "$V/python" - "$REPO" <<'EOF'
import json, os, sys
import numpy as np
import zoo.codecs
import zoo.datasets
from zoo.codecs import files
with open(os.path.join(sys.argv[1], "zoo", "codecs", "presets", "manifest.json")) as f:
    expected = sorted(json.load(f)["codecs"])
assert zoo.codecs.list_codecs() == expected, (zoo.codecs.list_codecs(), expected)
x, _ = zoo.datasets.load("mnist5k", "test")
wave = (0.3 * np.sin(2 * np.pi * 220 * np.arange(16000) / 16000)).astype(np.float32)
for name in expected:
    codec = zoo.codecs.load(name)
    example = x[0] if codec.domain == "image" else wave
    data = codec.compress(example)
    assert codec.decompress(data).shape == example.shape, name
    print(f"{name}: {len(data)} bytes, round trip from the wheel")
files.write_example("digit.png", x[0])
EOF
run compress "$V/aezoo" compress vq_mnist digit.png digit.aez
run decompress "$V/aezoo" decompress digit.aez digit_back.png
say "aezoo train --preset from the wheel must refuse to write into site-packages"
if "$V/aezoo" train ae --data digits --epochs 1 --preset wheel_check_preset \
    >"$LOGS/train.out" 2>"$LOGS/train.err"; then
  echo "wheel check FAILED: aezoo train --preset wrote a preset from the wheel" >&2; exit 1
fi
grep -q "never written into site-packages" "$LOGS/train.err" || { cat "$LOGS/train.err" >&2; exit 1; }
cat "$LOGS/train.err"
run quickstart "$V/aezoo" quickstart --out quickstart_out
run bench "$V/aezoo" bench ae_conv_mnist --quick --out bench_out
run publish "$V/aezoo" publish ae_conv_mnist --out www/ae_conv_mnist

PORT=$("$V/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$V/python" -m http.server --bind 127.0.0.1 --directory www "$PORT" >/dev/null 2>&1 &
SERVER_PID=$!
URL="http://127.0.0.1:$PORT/ae_conv_mnist"
run serve "$V/python" - "$URL" <<'EOF'
import os, shutil, sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1] + "/preset.json", timeout=2).close()
        break
    except OSError:
        time.sleep(0.1)
import numpy as np
import zoo
from zoo.hub import folder, remote
x, _ = zoo.datasets.load("mnist5k", "test")
pin = folder.read_preset("www/ae_conv_mnist")["sha256"]
by_url = zoo.load(sys.argv[1], sha256=pin)
same = np.array_equal(np.asarray(by_url.reconstruct(x[:64])),
                      np.asarray(zoo.load("ae_conv_mnist").reconstruct(x[:64])))
cached = remote.cache_path(sys.argv[1])
assert same and cached.startswith(remote.cache_dir()), (same, cached)
print(f"zoo.load({sys.argv[1]}): outputs identical to the shipped preset; cached in {cached}")
# The same folder with one byte of model.keras changed, behind a URL of the same server.
shutil.copytree("www/ae_conv_mnist", "www/tampered")
with open("www/tampered/model.keras", "r+b") as f:
    f.seek(1000)
    byte = f.read(1)
    f.seek(1000)
    f.write(bytes([byte[0] ^ 0xFF]))
before = sorted(os.listdir(os.path.join(remote.cache_dir(), "presets")))
try:
    zoo.load(sys.argv[1].rsplit("/", 1)[0] + "/tampered")
except ValueError as error:
    assert "sha256" in str(error), error
    print(f"tampered model.keras refused: {error}")
else:
    raise SystemExit("a tampered model.keras was loaded")
after = sorted(os.listdir(os.path.join(remote.cache_dir(), "presets")))
assert before == after, (before, after)
print(f"nothing kept in the cache: {after}")
EOF
kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=
run offline "$V/python" - "$URL" <<'EOF'
import sys
import zoo
zoo.load(sys.argv[1])  # the server is stopped: from the cache
print(f"{sys.argv[1]} loaded again with the server stopped")
EOF

CHATTER='(^|[^A-Za-z0-9])[EWIF]0000 |cuInit|cudart|absl::InitializeLog|Created TensorFlow Lite'
if grep -E -n "$CHATTER" "$LOGS"/*; then
  echo "wheel check FAILED: TensorFlow C++ log lines reached the terminal (above)" >&2
  exit 1
fi
say "no TensorFlow C++ start-up lines in any output"
say "wheel check passed"
