"""SavedModel export: one `keras.export.ExportArchive`, one signature per endpoint."""

from export import endpoints as endpoints_module


def export_saved_model(model, filepath, endpoints, batch_size=None):
    """Writes a TF Serving compatible SavedModel with one signature per endpoint.

    Args:
        model: `zoo.models.base.Autoencoder`. The model to export.
        filepath: str. Folder to write (must not exist yet).
        endpoints: tuple of str. Endpoint names; each becomes a signature
            with the same name, a named input (`x` or `z`) and named outputs.
        batch_size: int or None. Static batch size of the signatures; None
            keeps the batch dynamic. Defaults to `None`.

    Returns:
        `filepath`.

    Example:
    >>> export_saved_model(model, "out/saved_model", ("encode", "decode"))
    >>> tf.saved_model.load("out/saved_model").signatures["encode"](x=x)["z"]
    """
    import keras

    from zoo import quiet

    archive = keras.export.ExportArchive()
    archive.track(model)
    for endpoint in endpoints:
        archive.add_endpoint(
            name=endpoint,
            fn=endpoints_module.traced(model, endpoint, batch_size),
        )
    with quiet.silenced_stderr():
        archive.write_out(filepath, verbose=False)
    return filepath
