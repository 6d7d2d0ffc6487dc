"""Reading and writing the examples `aezoo compress` / `aezoo decompress` take: .png, .npy, .wav."""

import os
import wave

import numpy as np

EXTENSIONS = (".png", ".npy", ".wav")


def _extension(path, role):
    ext = os.path.splitext(str(path))[1].lower()
    if ext not in EXTENSIONS:
        raise ValueError(f"The {role} file must end in one of {', '.join(EXTENSIONS)}. "
                         f"Received: {path}")
    return ext


def read_example(path):
    """`(array, sample_rate)`: a .png as `(H, W, C)` in [0, 1], a .npy as stored, a .wav as mono.

    Raises:
        ValueError: an unknown extension or a file that does not parse.
    """
    ext = _extension(path, "input")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such input file: {path}")
    try:
        if ext == ".npy":
            return np.load(path, allow_pickle=False), None
        if ext == ".png":
            from PIL import Image

            with Image.open(path) as image:
                mode = "L" if image.mode in ("1", "L", "I", "I;16", "P") else "RGB"
                array = np.asarray(image.convert(mode), np.float32) / 255.0
            return (array[..., None] if array.ndim == 2 else array), None
        with wave.open(str(path), "rb") as f:
            if f.getsampwidth() != 2:
                raise ValueError(f"16-bit PCM expected, got {8 * f.getsampwidth()}-bit")
            frames = np.frombuffer(f.readframes(f.getnframes()), "<i2")
            frames = frames.reshape(-1, f.getnchannels()).mean(axis=1)
            return (frames / 32768.0).astype(np.float32), f.getframerate()
    except (OSError, ValueError, EOFError, wave.Error) as error:
        raise ValueError(f"{path} is not a readable {ext} file: {error}") from None


def write_example(path, array, sample_rate=None):
    """Writes an example as .png (8-bit), .npy (float32) or .wav (16-bit PCM, mono)."""
    from zoo import atomic

    ext = _extension(path, "output")
    array = np.asarray(array, np.float32)
    with atomic.atomic_file(str(path), suffix=ext) as tmp:
        if ext == ".npy":
            np.save(tmp, array)
        elif ext == ".png":
            from PIL import Image

            if array.ndim != 3:
                raise ValueError(f"Only images can be written as .png. Received: shape "
                                 f"{array.shape} (write .npy or .wav)")
            pixels = np.round(np.clip(array, 0, 1) * 255).astype(np.uint8)
            Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels).save(tmp, "PNG")
        else:
            if array.ndim != 1:
                raise ValueError(f"Only waveforms can be written as .wav. Received: shape "
                                 f"{array.shape} (write .png or .npy)")
            pcm = np.round(np.clip(array, -1, 1) * 32767).astype("<i2")
            with wave.open(tmp, "wb") as f:
                f.setnchannels(1)
                f.setsampwidth(2)
                f.setframerate(int(sample_rate or 16000))
                f.writeframes(pcm.tobytes())
    return path
