"""The aezoo codec bitstream: a few header bytes, then the entropy-coded latents.

Layout (format version 1)::

    byte 0      0xA0 | format version (magic in the high nibble)
    bytes 1-2   codec id, big-endian (`codec_id(name)`: 16 bits of the CRC-32 of its name)
    ...         each shape axis as an unsigned LEB128 varint (the codec fixes how many:
                3 for images, 1 for audio)
    2 bytes     checksum: 16 bits of the CRC-32 of everything else (header and payload)
    ...         payload: the entropy coder's words, little-endian, trailing zero bytes dropped

A 28x28x1 digit costs 8 header bytes. Everything here is numpy-free Python,
shared by `zoo.codecs` and the TensorFlow-free `export.codecs`: both ends
write and read the same bytes. `parse` checks every field before any work
and raises one `ValueError` naming what was expected and what was received.
"""

import zlib

MAGIC = 0xA0
FORMAT_VERSION = 1
_CHECKSUM_BYTES = 2


def codec_id(name):
    """The 16-bit id a codec writes into its headers (CRC-32 of its name)."""
    return zlib.crc32(name.encode("utf-8")) & 0xFFFF


def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _checksum(data):
    return (zlib.crc32(data) & 0xFFFF).to_bytes(_CHECKSUM_BYTES, "big")


def pack(name, shape, payload, version=FORMAT_VERSION):
    """Header + payload bytes.

    Args:
        name: str. The codec's name (its id goes into the header).
        shape: tuple of int. Shape of the example the payload decodes to.
        payload: bytes. The entropy coder's output.
        version: int. Format version (1-15). Defaults to the current one.

    Returns:
        bytes.
    """
    head = bytes([MAGIC | version]) + codec_id(name).to_bytes(2, "big")
    head += b"".join(_varint(int(d)) for d in shape)
    return head + _checksum(head + payload) + payload


def _bytes(data):
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise ValueError(f"A bitstream must be bytes. Received: an object of type "
                     f"{type(data).__name__}")


def parse(data, name, ndim, max_elements, known=None):
    """Checks a bitstream's header and returns `(shape, payload)`.

    Args:
        data: bytes. A whole bitstream.
        name: str. The codec expected to have written it.
        ndim: int. Number of shape axes that codec writes.
        max_elements: int. Largest number of elements (pixels or samples) a
            header may claim: a larger one is refused before any allocation.
        known: dict or None. Codec id -> name of other codecs, to name the
            writer of a bitstream that is not this codec's.

    Returns:
        `(shape, payload)`: a tuple of ints and the payload bytes.

    Raises:
        ValueError: truncated, garbage, another codec's, a newer format
            version, a shape with the wrong number of axes or too many
            elements, or a checksum mismatch.
    """
    data = _bytes(data)
    if len(data) < 3 + ndim + _CHECKSUM_BYTES:
        raise ValueError(f"Bitstream truncated: an aezoo {name} bitstream has at least "
                         f"{3 + ndim + _CHECKSUM_BYTES} bytes. Received: {len(data)} bytes")
    if data[0] & 0xF0 != MAGIC:
        raise ValueError(f"Not an aezoo codec bitstream: expected a first byte 0xA_ (magic). "
                         f"Received: first byte 0x{data[0]:02X}")
    version = data[0] & 0x0F
    if version != FORMAT_VERSION:
        raise ValueError(f"Bitstream format version {version} is not supported: this aezoo "
                         f"reads format version {FORMAT_VERSION}. Received: version {version}")
    writer = int.from_bytes(data[1:3], "big")
    if writer != codec_id(name):
        other = (known or {}).get(writer)
        who = f"codec {other!r}" if other else f"an unknown codec (id {writer})"
        raise ValueError(f"Bitstream written by another codec: expected codec {name!r} "
                         f"(id {codec_id(name)}). Received: a bitstream of {who}")
    shape, position = [], 3
    for _ in range(ndim):
        value, shift = 0, 0
        while True:
            if position >= len(data) or shift > 63:
                raise ValueError(f"Bitstream truncated or corrupt inside its shape header. "
                                 f"Received: {len(data)} bytes")
            byte = data[position]
            position += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        shape.append(value)
    elements = 1
    for d in shape:
        elements *= d
    if min(shape) < 1 or elements > max_elements:
        raise ValueError(f"Header claims shape {tuple(shape)}: codec {name!r} decodes at most "
                         f"{max_elements:,} elements, each axis >= 1. Received: "
                         f"{elements:,} elements")
    if len(data) < position + _CHECKSUM_BYTES:
        raise ValueError(f"Bitstream truncated after its header. Received: {len(data)} bytes")
    stored = data[position:position + _CHECKSUM_BYTES]
    payload = data[position + _CHECKSUM_BYTES:]
    if _checksum(data[:position] + payload) != stored:
        raise ValueError(f"Bitstream checksum mismatch (truncated or corrupt): expected "
                         f"{_checksum(data[:position] + payload).hex()}. Received: "
                         f"{stored.hex()} over {len(data)} bytes")
    return tuple(shape), payload
