"""`aezoo decompress IN OUT`: a codec bitstream back into a .png, .npy or .wav file.

The codec is read from the bitstream's header (its codec id).
"""


def run(args):
    from zoo import atomic, codecs
    from zoo.codecs import bitstream, files, registry

    atomic.check_writable_target(args.output, overwrite=args.overwrite)
    files._extension(args.output, "output")
    with open(args.input, "rb") as f:
        data = f.read()
    if len(data) < 3 or data[0] & 0xF0 != bitstream.MAGIC:
        raise ValueError(f"{args.input} is not an aezoo codec bitstream: expected a first byte "
                         f"0xA_. Received: {data[:1].hex() or 'an empty file'}")
    writer = int.from_bytes(data[1:3], "big")
    known = registry.known_ids()
    if writer not in known:
        raise ValueError(f"{args.input} was written by an unknown codec (id {writer}): "
                         f"expected one of {sorted(known.values())}")
    codec = codecs.load(known[writer])
    x = codec.decompress(data)
    files.write_example(args.output, x, codec.sample_rate)
    print(f"{args.input} ({len(data):,} bytes, {codec.name}) -> {args.output} "
          f"(shape {tuple(x.shape)})")
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser("decompress", help="decompress a codec bitstream to .png/.npy/.wav")
    p.add_argument("input", help="bitstream written by `aezoo compress`")
    p.add_argument("output", help="file to write: .png, .npy or .wav")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    p.set_defaults(run=run)
