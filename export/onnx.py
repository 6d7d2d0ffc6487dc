"""ONNX export: `tf2onnx.convert.from_function` per endpoint, dynamic batch."""

from export import common
from export import endpoints as endpoints_module


def export_onnx(model, filepath, endpoint, opset=common.DEFAULT_OPSET, metadata=None):
    """Converts one endpoint to an ONNX file with named inputs and outputs.

    Args:
        model: `zoo.models.base.Autoencoder`. The model to export.
        filepath: str. The `.onnx` file to write.
        endpoint: str. Endpoint name (see `export.endpoints`).
        opset: int. ONNX opset. Defaults to `17`.
        metadata: dict or None. Extra `metadata_props` (str -> str), e.g.
            preset, variant, backbone, versions.

    Returns:
        `filepath`.

    Example:
    >>> export_onnx(model, "out/encode.onnx", "encode")
    """
    import onnx
    import tf2onnx

    from zoo import quiet

    function = endpoints_module.traced(model, endpoint)
    with quiet.silenced_stderr():
        proto, _ = tf2onnx.convert.from_function(
            function, input_signature=function.input_signature, opset=opset
        )
    props = {"endpoint": endpoint, **(metadata or {})}
    del proto.metadata_props[:]
    for key, value in sorted(props.items()):
        entry = proto.metadata_props.add()
        entry.key, entry.value = str(key), str(value)
    proto.producer_name = "aezoo"
    onnx.checker.check_model(proto)
    onnx.save(proto, filepath)
    return filepath


def node_types(filepath):
    """Sorted set of the ONNX operator types in a file (and its subgraphs)."""
    import onnx

    types = set()

    def visit(graph):
        for node in graph.node:
            types.add(node.op_type)
            for attribute in node.attribute:
                if attribute.type == onnx.AttributeProto.GRAPH:
                    visit(attribute.g)
                for sub in attribute.graphs:
                    visit(sub)

    visit(onnx.load(filepath).graph)
    return sorted(types)
