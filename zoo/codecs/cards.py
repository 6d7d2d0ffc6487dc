"""A codec preset's card (card.md): what it is, how it was trained, what it measured."""


def card_text(name, entry, config):
    """Markdown card of a codec preset from its manifest entry and config."""
    metrics = "\n".join(f"| {k} | {v:.4g} |" if isinstance(v, float) else f"| {k} | {v} |"
                        for k, v in entry["metrics"].items())
    transform = ", ".join(f"{k}={v}" for k, v in config["transform"].items())
    rate = f", {entry['sample_rate']} Hz" if entry.get("sample_rate") else ""
    return f"""# {name}

A learned {entry['domain']} codec{rate}: {entry['family']} family, analysis and synthesis
transforms ({transform}), latents rounded to integers and ANS-coded (constriction) under a
learned factorized density whose tables (`tables.npz`) both ends share. Trained on
{entry['dataset']} with rate-distortion weight lambda = {config['lmbda']}.

Use: `zoo.codecs.load("{name}")`, `aezoo compress {name} IN OUT`, `aezoo decompress IN OUT`;
without TensorFlow: `export.export_codec(codec, folder)` then `export.load_codec(folder)`.

Bitstream: 8 header bytes for a 28x28 digit (magic and format version, codec id, shape,
checksum; `zoo/codecs/bitstream.py`), then the payload.

## Metrics (test split, each example compressed on its own)

| metric | value |
|---|---|
{metrics}

## Recipe

    {entry['recipe']}

Trained at {entry['trained_at']}. Comparisons with JPEG, WebP, AVIF, JPEG XL and Opus:
`bench/results/codecs.md`.
"""
