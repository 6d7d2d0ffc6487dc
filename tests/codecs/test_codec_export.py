"""export.export_codec / export.load_codec: the same bytes without TensorFlow."""

import json
import os
import subprocess
import sys

import numpy as np

import export

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_exported_codec_same_bytes_and_reconstructions(preset_codec, exported_codec_dir, digits):
    codec = export.load_codec(exported_codec_dir)
    assert codec.name == preset_codec.name and codec.domain == "image"
    for x in digits:
        data = preset_codec.compress(x)
        assert codec.compress(x) == data
        np.testing.assert_allclose(codec.decompress(data), preset_codec.decompress(data),
                                   atol=1e-3)
    with open(os.path.join(exported_codec_dir, "codec.json")) as f:
        parity = json.load(f)["parity"]
    assert parity["same_bytes"] and parity["max_abs_diff"] < 1e-3


def test_exported_codec_runs_without_tensorflow(preset_codec, exported_codec_dir, digits,
                                                tmp_path):
    np.save(tmp_path / "x.npy", digits[:5])
    expected = [preset_codec.compress(x) for x in digits[:5]]
    script = f"""
import sys, numpy as np
sys.modules["tensorflow"] = None  # any TensorFlow import fails
sys.modules["keras"] = None
import export
codec = export.load_codec({exported_codec_dir!r})
x = np.load({str(tmp_path / "x.npy")!r})
out = [codec.compress(e) for e in x]
np.save({str(tmp_path / "rec.npy")!r}, np.stack([codec.decompress(d) for d in out]))
open({str(tmp_path / "bytes.bin")!r}, "wb").write(b"".join(len(d).to_bytes(2, "big") + d
                                                          for d in out))
print(sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras")
             and sys.modules[m] is not None))
"""
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "[]"
    blob = (tmp_path / "bytes.bin").read_bytes()
    got, i = [], 0
    while i < len(blob):
        n = int.from_bytes(blob[i:i + 2], "big")
        got.append(blob[i + 2:i + 2 + n])
        i += 2 + n
    assert got == expected
    rec = np.load(tmp_path / "rec.npy")
    keras_rec = np.stack([preset_codec.decompress(d) for d in expected])
    np.testing.assert_allclose(rec, keras_rec, atol=1e-3)


def test_tampered_export_is_refused(exported_codec_dir, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(exported_codec_dir, copy)
    with open(copy / "codec.json") as f:
        coder = export.codecs.CODER_FILES[json.load(f)["family"]]  # tables.npz or prior.npz
    with open(copy / coder, "ab") as f:
        f.write(b"x")
    try:
        export.load_codec(str(copy))
    except ValueError as error:
        assert coder in str(error) and "sha256" in str(error)
    else:
        raise AssertionError(f"a tampered {coder} was accepted")
