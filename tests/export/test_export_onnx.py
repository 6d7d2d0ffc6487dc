"""ONNX export over every variant x backbone: runs in ONNX Runtime, matches Keras."""

import numpy as np
import onnx
import pytest
from support import contract_data, small_model

import export
from export import common, testing
from export.onnx import node_types

FORBIDDEN = ("Random", "Multinomial", "Bernoulli")


@pytest.mark.parametrize("variant,backbone", testing.matrix_params())
def test_onnx_matches_keras(variant, backbone, mnist):
    x_train, x_test = contract_data(backbone, mnist)
    model, report, data = testing.matrix_export(variant, backbone, x_train, x_test, small_model)
    artifacts = [a for a in report.artifacts if a["format"] == "onnx"]
    assert {a["endpoint"] for a in artifacts} == set(common.ENDPOINTS)
    for artifact in artifacts:
        assert artifact["parity"]["worst"]["passed"], (artifact["id"], artifact["parity"]["worst"])
        path = f"{report.out_dir}/{artifact['file']}"
        run = export.load_runtime(path)
        assert run.input_shape[0] is None  # ONNX keeps a dynamic batch, recurrent too
        testing.assert_matches_keras(model, run, artifact, data)
        types = node_types(path)
        assert not [t for t in types if any(f in t for f in FORBIDDEN)], types
        assert not artifact.get("forbidden_ops"), artifact["forbidden_ops"]


def test_onnx_names_metadata_and_opset(mnist):
    x_train, x_test = contract_data("conv", mnist)
    _, report, _ = testing.matrix_export("vae", "conv", x_train, x_test, small_model)
    proto = onnx.load(f"{report.out_dir}/encode.onnx")
    assert [i.name for i in proto.graph.input] == ["x"]
    assert [o.name for o in proto.graph.output] == ["z"]
    assert {o.domain or "ai.onnx": o.version for o in proto.opset_import}["ai.onnx"] == 17
    props = {p.key: p.value for p in proto.metadata_props}
    assert props["endpoint"] == "encode" and props["variant"] == "vae"
    assert props["backbone"] == "conv" and props["tensorflow"] and props["tf2onnx"]
    score = onnx.load(f"{report.out_dir}/score.onnx")
    assert [o.name for o in score.graph.output] == ["score"]
    run = export.load_runtime(f"{report.out_dir}/score.onnx")
    assert run(x_test[:3]).shape == (3,)
    assert isinstance(run(x_test[:3]), np.ndarray)
