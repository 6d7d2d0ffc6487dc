"""Learned codecs against JPEG, WebP, AVIF and JPEG XL on mnist5k digits (and Opus on speech).

Every test digit is compressed on its own (the whole file counts: headers
included), then the same digits as 10x10 mosaics (280x280, one file per
mosaic, so headers do not decide). Rate-distortion points: mean bytes per
digit against mean PSNR (dB, per image, then averaged) and mean MS-SSIM.
BD-rate (Bjontegaard, cubic fit of log-rate over PSNR on the overlapping
range) of the learned factorized ladder against each classical codec (the
VQ codec is a single rate-distortion point: its ratio is in the table).

The "Must show" figure: at each ladder point's mean PSNR, its bytes over
the bytes the better of WebP and JPEG needs at that PSNR (log-linear
interpolation between that codec's quality settings, only inside its
measured PSNR range).

The learned codecs run through their TensorFlow-free export
(`export.load_codec`), checked to write the Keras codec's bytes.

Run: python -m bench.codecs [--quick] [--out DIR] [--skip-audio | --audio-only]
"""

import argparse
import io
import os
import tempfile
import time

import numpy as np

from bench.common import RESULTS, markdown_table, write_results

QUALITIES = {
    "jpeg": (1, 5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90),
    "webp": (0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95),
    "avif": (0, 10, 20, 30, 40, 50, 60),
    "jpegxl": (25.0, 15.0, 10.0, 6.0, 4.0, 2.5, 1.5, 1.0),
}


def _pil(fmt, quality):
    from PIL import Image

    def encode(u8):
        buffer = io.BytesIO()
        options = {"optimize": True} if fmt == "JPEG" else {"method": 6}
        Image.fromarray(u8).save(buffer, fmt, quality=quality, **options)
        return buffer.getvalue()

    def decode(data):
        return np.asarray(Image.open(io.BytesIO(data)).convert("L"))

    return encode, decode


def _gray(image):
    image = np.asarray(image)
    return image[..., 0] if image.ndim == 3 else image


def classical(name, quality):
    """`(encode, decode)` for an 8-bit grayscale image, or None if unavailable."""
    if name in ("jpeg", "webp"):
        return _pil(name.upper(), quality)
    try:
        import imagecodecs
    except ImportError:
        return None
    if name == "avif" and imagecodecs.AVIF.available:
        return (lambda u8: imagecodecs.avif_encode(np.repeat(u8[..., None], 3, -1), level=quality,
                                                   speed=6, pixelformat=4),
                lambda data: _gray(imagecodecs.avif_decode(data)))
    if name == "jpegxl" and imagecodecs.JPEGXL.available:
        return (lambda u8: imagecodecs.jpegxl_encode(u8, distance=quality, effort=7),
                imagecodecs.jpegxl_decode)
    return None


def psnr(x, y):
    mse = np.mean((x.astype(np.float64) - y) ** 2, axis=tuple(range(1, x.ndim)))
    return 10 * np.log10(1.0 / np.maximum(mse, 1e-10))


def _ssim_terms(x, y):
    from scipy.ndimage import gaussian_filter

    c1, c2 = 0.01 ** 2, 0.03 ** 2
    f = lambda a: gaussian_filter(a, 1.5, truncate=2.0)  # noqa: E731
    mx, my = f(x), f(y)
    sxx, syy, sxy = f(x * x) - mx * mx, f(y * y) - my * my, f(x * y) - mx * my
    cs = (2 * sxy + c2) / (sxx + syy + c2)
    return np.mean((2 * mx * my + c1) / (mx * mx + my * my + c1) * cs), np.mean(cs)


def ms_ssim(x, y):
    """MS-SSIM of two 2-D images in [0, 1]: the scales that fit (of 5; weights renormalized)."""
    weights = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])
    scales = max(1, min(5, int(np.log2(min(x.shape) / 7)) + 1))
    weights = weights[:scales] / weights[:scales].sum()
    value = 1.0
    for i in range(scales):
        ssim, cs = _ssim_terms(x, y)
        value *= max(ssim if i == scales - 1 else cs, 1e-6) ** weights[i]
        h, w = (x.shape[0] // 2) * 2, (x.shape[1] // 2) * 2
        x = x[:h, :w].reshape(h // 2, 2, w // 2, 2).mean((1, 3))
        y = y[:h, :w].reshape(h // 2, 2, w // 2, 2).mean((1, 3))
    return float(value)


def point(images, restored, sizes, per_file):
    return {"bytes": float(np.mean(sizes)) / per_file,
            "psnr": float(np.mean(psnr(images, restored))),
            "ms_ssim": float(np.mean([ms_ssim(a[..., 0], b[..., 0])
                                      for a, b in zip(images, restored, strict=False)]))}


def classical_curve(name, images, per_file):
    rows = []
    for quality in QUALITIES[name]:
        pair = classical(name, quality)
        if pair is None:
            return []
        encode, decode = pair
        u8 = np.round(images[..., 0] * 255).astype(np.uint8)
        files = [encode(im) for im in u8]
        restored = np.stack([decode(f) for f in files]).astype(np.float32)[..., None] / 255
        rows.append({"codec": name, "setting": quality,
                     **point(images, restored, [len(f) for f in files], per_file)})
    return rows


_EXPORTED = {}


def learned_curve(names, images, per_file, keras_check):
    import export
    import zoo.codecs

    rows = []
    for name in names:
        if name not in _EXPORTED:
            keras_codec = zoo.codecs.load(name)
            folder = os.path.join(tempfile.mkdtemp(prefix="aezoo-bench-codec-"), name)
            export.export_codec(keras_codec, folder, examples=list(images[:2]))
            _EXPORTED[name] = (keras_codec, export.load_codec(folder))
        keras_codec, codec = _EXPORTED[name]
        started = time.perf_counter()
        files = [codec.compress(im) for im in images]
        encode_s = time.perf_counter() - started
        restored = np.stack([codec.decompress(f) for f in files])
        same = all(keras_codec.compress(im) == f
                   for im, f in zip(images[:keras_check], files, strict=False))
        rows.append({"codec": "learned", "setting": name,
                     "family": zoo.codecs.codec_info(name)["family"],
                     **point(images, restored, [len(f) for f in files], per_file),
                     "ms_per_encode": 1000 * encode_s / len(images), "same_bytes_as_keras": same})
    return rows


def interpolate_bytes(curve, target):
    """Bytes a classical codec needs for mean PSNR `target` (log-linear), None outside its range."""
    pts = sorted((r["psnr"], np.log(r["bytes"])) for r in curve)
    p = [a for a, _ in pts]
    if not pts or target < p[0] or target > p[-1]:
        return None
    return float(np.exp(np.interp(target, p, [b for _, b in pts])))


def bd_rate(anchor, test):
    """Bjontegaard delta rate (%) of `test` against `anchor` (negative: fewer bytes)."""
    if len(anchor) < 4 or len(test) < 4:
        return None
    pa, ra = [r["psnr"] for r in anchor], np.log([r["bytes"] for r in anchor])
    pt, rt = [r["psnr"] for r in test], np.log([r["bytes"] for r in test])
    low, high = max(min(pa), min(pt)), min(max(pa), max(pt))
    if low >= high:
        return None
    fa, ft = np.polyint(np.polyfit(pa, ra, 3)), np.polyint(np.polyfit(pt, rt, 3))
    diff = ((np.polyval(ft, high) - np.polyval(ft, low))
            - (np.polyval(fa, high) - np.polyval(fa, low))) / (high - low)
    return float((np.exp(diff) - 1) * 100)


def mosaics(x, n):
    tiles = x[: n * 100].reshape(n, 10, 10, 28, 28, 1)
    return tiles.transpose(0, 1, 3, 2, 4, 5).reshape(n, 280, 280, 1)


def compare(rows, learned):
    """Per ladder point: bytes over the better of WebP and JPEG at its PSNR."""
    out = []
    curves = {name: [r for r in rows if r["codec"] == name] for name in ("jpeg", "webp")}
    for row in learned:
        need = {k: interpolate_bytes(c, row["psnr"]) for k, c in curves.items()}
        best = min((v for v in need.values() if v is not None), default=None)
        out.append({"setting": row["setting"], "psnr": row["psnr"], "bytes": row["bytes"],
                    "jpeg_bytes": need["jpeg"], "webp_bytes": need["webp"],
                    "ratio_to_best_classical": None if best is None else row["bytes"] / best})
    return out


def run_images(quick):
    import zoo.codecs
    import zoo.datasets

    x, _ = zoo.datasets.load("mnist5k", "test")
    x = x[:100] if quick else x
    names = zoo.codecs.list_codecs("image")
    result = {}
    for setting, images, per_file in (("per_image", x, 1), ("mosaic", mosaics(x, len(x) // 100),
                                                           100)):
        rows = []
        for name in QUALITIES:
            rows += classical_curve(name, images, per_file)
        learned = learned_curve(names, images, per_file, keras_check=10 if setting == "per_image"
                                else 1)
        ladder = [r for r in learned if r["family"] == "factorized"]
        result[setting] = {
            "n_images": int(len(images) * per_file), "rows": rows + learned,
            "vs_classical": compare(rows, learned),
            "bd_rate_percent": {name: bd_rate([r for r in rows if r["codec"] == name], ladder)
                                for name in QUALITIES}}
    return result


def markdown(result):
    lines = ["# Learned codecs vs JPEG / WebP / AVIF / JPEG XL (mnist5k test digits)", ""]
    if result["images"].get("command"):
        lines += [f"Image results: `{result['images']['command']}` "
                  f"({result['images'].get('date', '')}).", ""]
    for setting, title in (("per_image", "Each digit compressed on its own"),
                           ("mosaic", "10x10 mosaics (280x280), bytes per digit")):
        part = result["images"][setting]
        lines += [f"## {title} ({part['n_images']} digits)", "",
                  markdown_table(part["vs_classical"],
                                 [("setting", "learned codec"), ("psnr", "PSNR dB"),
                                  ("bytes", "bytes/digit"), ("jpeg_bytes", "JPEG bytes @PSNR"),
                                  ("webp_bytes", "WebP bytes @PSNR"),
                                  ("ratio_to_best_classical", "ratio to better of JPEG/WebP")]),
                  "", "BD-rate of the factorized ladder (negative = fewer bytes at equal PSNR): "
                  + ", ".join(f"{k} {v:+.1f}%" if v is not None else f"{k} n/a (no overlap)"
                              for k, v in part["bd_rate_percent"].items()), "",
                  markdown_table(part["rows"], [("codec", "codec"), ("setting", "setting"),
                                                ("bytes", "bytes/digit"), ("psnr", "PSNR dB"),
                                                ("ms_ssim", "MS-SSIM")]), ""]
    if "audio" in result:
        lines += ["## Speech (held-out real recordings)", "", result["audio"]["markdown"], ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.codecs")
    parser.add_argument("--quick", action="store_true", help="100 digits, one mosaic")
    parser.add_argument("--out", default=RESULTS)
    parser.add_argument("--skip-audio", action="store_true")
    parser.add_argument("--audio-only", action="store_true",
                        help="measure speech only; keep the image results of the last run")
    args = parser.parse_args(argv)
    if args.audio_only:
        import json

        with open(os.path.join(args.out, "codecs.json")) as f:
            result = {"images": json.load(f)["images"]}
    else:
        from bench.common import command_line, machine

        result = {"images": {**run_images(args.quick), "command": command_line(),
                             "date": machine()["date"]}}
    if not args.skip_audio:
        from bench.speech import run_audio

        audio = run_audio(args.quick)
        if audio is not None:
            result["audio"] = audio
    write_results("codecs", result, markdown(result), args.out)
    for row in result["images"]["per_image"]["vs_classical"]:
        print(row)
    return 0


if __name__ == "__main__":
    main()
