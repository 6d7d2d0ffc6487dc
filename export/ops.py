"""What an exported artifact holds: its op types, and any op it must not hold.

An endpoint must hold no random op, no TFP node and (in LiteRT) no
non-builtin op; every artifact is scanned before an export is reported done.

Example:
>>> from export.ops import saved_model_ops
>>> types, forbidden = saved_model_ops("out/vae/saved_model", "encode")
>>> forbidden
[]
"""

import os

# Markers of what an exported graph must not hold (checked in every artifact).
RANDOM_OP_MARKERS = ("random", "multinomial", "bernoulli", "truncatednormal")
TFP_NAME_MARKERS = ("tensorflow_probability", "multivariatenormaldiag", "independent/",
                    "normal/sample", "categorical/", "/sample/")
FLEX_MARKERS = ("flex", "custom")



def _scan_names(names):
    """Forbidden markers found among op types / node names (lower-cased)."""
    found = set()
    for name in names:
        low = name.lower()
        found |= {f"random op {name}" for m in RANDOM_OP_MARKERS if m in low}
        found |= {f"TFP node {name}" for m in TFP_NAME_MARKERS if m in low}
    return sorted(found)


def artifact_ops(out_dir, artifact, saved_models=None):
    """(op types, forbidden findings) of one artifact (`saved_models`: see `load_artifact`)."""
    path = os.path.join(out_dir, artifact["file"])
    if artifact["format"] == "onnx":
        import onnx

        from export import onnx as onnx_format

        types = onnx_format.node_types(path)
        names = [n.name for n in onnx.load(path).graph.node]
        return types, _scan_names(types + names)
    if artifact["format"] == "tflite":
        from export import tflite

        types = tflite.op_names(path)
        flex = [t for t in types if any(m in t.lower() for m in FLEX_MARKERS)]
        return types, _scan_names(types) + [f"non-builtin op {t}" for t in flex]
    loaded = (saved_models or {}).get(path)
    return saved_model_ops(path, artifact["endpoint"], loaded)


def saved_model_ops(path, endpoint, loaded=None):
    """(op types, forbidden findings) of one SavedModel signature, nested functions included."""
    from zoo import quiet

    tf = quiet.import_tensorflow()
    if loaded is None:
        loaded = tf.saved_model.load(path)
    graph = loaded.signatures[endpoint].graph.as_graph_def()
    nodes = list(graph.node)
    for function in graph.library.function:
        nodes.extend(function.node_def)
    types = sorted({n.op for n in nodes})
    return types, _scan_names(types + [n.name for n in nodes])
