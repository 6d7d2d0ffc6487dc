"""`aezoo compress CODEC IN OUT`: one .png, .npy or .wav example into a codec bitstream."""

import os


def run(args):
    from zoo import atomic, codecs
    from zoo.codecs import files

    if args.codec not in codecs.list_codecs():
        raise ValueError(f"Unknown codec {args.codec!r}: expected one of "
                         f"{codecs.list_codecs()} (see `aezoo compress --help`)")
    atomic.check_writable_target(args.output, overwrite=args.overwrite)
    x, sample_rate = files.read_example(args.input)
    codec = codecs.load(args.codec)
    if codec.domain == "audio" and sample_rate is not None and sample_rate != codec.sample_rate:
        raise ValueError(f"{args.codec} codes {codec.sample_rate} Hz audio. Received: "
                         f"{args.input} at {sample_rate} Hz (resample it first)")
    data = codec.compress(x)
    with atomic.atomic_file(args.output, overwrite=args.overwrite) as tmp, open(tmp, "wb") as f:
        f.write(data)
    size = os.path.getsize(args.input)
    print(f"{args.input} ({size:,} bytes) -> {args.output} ({len(data):,} bytes, {args.codec})")
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser(
        "compress", help="compress one image (.png/.npy) or waveform (.wav/.npy) with a codec")
    p.add_argument("codec", help="codec preset, see `zoo.codecs.list_codecs()`")
    p.add_argument("input", help="example to compress: .png, .npy or .wav")
    p.add_argument("output", help="bitstream file to write")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    p.set_defaults(run=run)
