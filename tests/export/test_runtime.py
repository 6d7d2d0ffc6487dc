"""`export.load_runtime`: numpy in/out without TensorFlow, clear input errors, low overhead."""

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from support import contract_data, small_model

import export
import zoo
from export import common, testing

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BLOCK_TENSORFLOW = """
import sys

class NoTensorFlow:
    # Any import of TensorFlow (or what pulls it in) fails, as where it is not installed.
    blocked = ("tensorflow", "keras", "tf_keras", "tensorflow_probability", "tf2onnx")

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.blocked:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
        return None

sys.meta_path.insert(0, NoTensorFlow())
"""


def cell(variant, backbone, mnist):
    x_train, x_test = contract_data(backbone, mnist)
    return testing.matrix_export(variant, backbone, x_train, x_test, small_model)


def test_runtime_without_tensorflow(tmp_path, mnist):
    dirs = [cell("ae", "conv", mnist)[1].out_dir, cell("ae", "recurrent", mnist)[1].out_dir]
    script = tmp_path / "no_tf.py"
    script.write_text(BLOCK_TENSORFLOW + textwrap.dedent(f"""
        import numpy as np
        import export
        from export import common

        try:
            import tensorflow  # noqa: F401
        except ImportError:
            pass
        else:
            raise SystemExit("tensorflow was importable")
        for out_dir in {dirs!r}:
            reference = np.load(out_dir + "/reference.npz")
            for endpoint in common.ENDPOINTS:
                for suffix in (".onnx", ".tflite"):
                    run = export.load_runtime(out_dir + "/" + endpoint + suffix)
                    inputs = reference[endpoint + "/" + run.input_name]
                    for rows in (slice(0, 1), slice(8, 15)):
                        got = run.run_named(inputs[rows])
                        for name in run.output_names:
                            want = reference[endpoint + "/" + name][rows]
                            assert np.abs(got[name] - want).max() < 1e-4, (out_dir, endpoint)
            report = export.verify(out_dir)
            assert report.passed, report.parity
            assert sorted(report.skipped) == ["saved_model/" + e for e in sorted(common.ENDPOINTS)]
        leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
        assert not leaked, leaked
        print("ran without tensorflow")
    """))
    env = {**os.environ, "PYTHONPATH": ROOT}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ran without tensorflow" in result.stdout


@pytest.mark.parametrize("suffix", [".onnx", ".tflite"])
def test_wrong_inputs_raise_one_clear_error(mnist, suffix):
    _, report, data = cell("ae", "conv", mnist)
    run = export.load_runtime(os.path.join(report.out_dir, "encode" + suffix))
    with pytest.raises(ValueError, match=r"expects `x` of shape \(batch, 28, 28, 1\).*"
                                         r"Received: x.shape=\(2, 28, 28\)"):
        run(data[:2, ..., 0])
    with pytest.raises(ValueError, match=r"Received: x.shape=\(28, 28, 1\)"):
        run(data[0])
    with pytest.raises(ValueError, match=r"Received: x.shape=\(0, 28, 28, 1\)"):
        run(data[:0])
    with pytest.raises(TypeError, match=r"float32.*Received: x.dtype=uint8"):
        run((data[:2] * 255).astype(np.uint8))
    with pytest.raises(ValueError, match=r"one input named 'x'. Received: \['z'\]"):
        run({"z": data[:2]})
    # Float64 is converted, a dict by name works, and the output is one array.
    z = run(data[:3].astype(np.float64))
    assert isinstance(z, np.ndarray) and z.dtype == np.float32 and z.shape == (3, 8)
    np.testing.assert_allclose(run({"x": data[:3]}), z, atol=1e-6)


def test_output_kinds_and_any_batch(mnist):
    model, report, data = cell("ae", "recurrent", mnist)
    run = export.load_runtime(os.path.join(report.out_dir, "score.tflite"))
    assert run.static_batch == 1  # LSTM on LiteRT builtins: converted for batch 1
    for size in (1, 3, 7):
        scores = run(data[:size])
        assert scores.shape == (size,)
        np.testing.assert_allclose(scores, np.asarray(model.score(data[:size])), rtol=1e-4)
    named = run.run_named(data[:2])
    assert list(named) == ["score"]
    sm = export.load_runtime(os.path.join(report.out_dir, common.SAVED_MODEL_DIR),
                             endpoint="decode")
    assert sm.input_name == "z" and sm.output_names == ("reconstruction",)
    from_folder = export.load_runtime(report.out_dir, endpoint="encode")
    assert from_folder.format == "onnx"


@pytest.mark.skipif("vq_vae" not in zoo.list_models(), reason="vq_vae is not registered")
def test_vq_encode_returns_named_codes(mnist):
    model, report, data = cell("vq_vae", "mlp", mnist)
    for suffix in (".onnx", ".tflite"):
        run = export.load_runtime(os.path.join(report.out_dir, "encode" + suffix))
        assert run.output_names == ("codes", "z")
        out = run(data[:5])
        assert isinstance(out, dict) and out["codes"].dtype == np.int32
        np.testing.assert_array_equal(out["codes"], np.asarray(model.codes_tensor(data[:5])))


def test_missing_and_unknown_paths(tmp_path, mnist):
    with pytest.raises(FileNotFoundError, match="Received: path="):
        export.load_runtime(tmp_path / "nothing.onnx")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="expects an .onnx file"):
        export.load_runtime(tmp_path / "notes.txt")
    _, report, _ = cell("ae", "conv", mnist)
    with pytest.raises(ValueError, match="pass endpoint="):
        export.load_runtime(os.path.join(report.out_dir, common.SAVED_MODEL_DIR))


def best_time(fn, calls=200, repeats=7):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls)
    return min(times)


@pytest.mark.parametrize("suffix", [".onnx", ".tflite"])
def test_call_overhead_is_small(mnist, suffix):
    """What `load_runtime` adds per call (the input check; everything else is
    looked up at load time) stays under 10% of the bare runtime call at batch 1, plus
    one pass over the data: the NaN/inf scan (`np.vdot(x, x)`), which keeps a NaN
    sensor reading from becoming a NaN score that no threshold flags."""
    _, report, data = cell("ae", "conv", mnist)
    run = export.load_runtime(os.path.join(report.out_dir, "encode" + suffix))
    x = data[:1]
    if suffix == ".onnx":
        session, names = run.session, list(run.output_names)

        def bare():
            return session.run(names, {"x": x})
    else:
        interpreter, index = run.interpreter, run._input_index
        output = run._output_indices[0][1]

        def bare():
            interpreter.set_tensor(index, x)
            interpreter.invoke()
            return interpreter.get_tensor(output)
    bare_time = best_time(bare)
    check_time = best_time(lambda: run._checked(x), calls=2000)
    scan_time = best_time(lambda: np.vdot(x, x), calls=2000)
    assert check_time <= 0.1 * bare_time + 1.5 * scan_time, (check_time, bare_time, scan_time)
    np.testing.assert_array_equal(run(x), bare()[0] if suffix == ".onnx" else bare())
