#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets: tests/fuzz/corpus/<target>/seed_*.

Small valid files of every kind each reader accepts and one of every kind of damage it must
refuse (docs/fuzzing.md). Other files beside them are kept: inputs the fuzzer found
(finding_*) and two JPEGs written by QImage::save (image/qt_*.jpg; the standard library has no
JPEG encoder). Needs NumPy: /usr/bin/python3 tools/make_fuzz_corpus.py
"""

import gzip
import io
import json
import os
import struct
import zipfile
import zlib

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fuzz", "corpus")


def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed_" + name), "wb") as f:
        f.write(data)


def npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def npy_header(header, payload=b"", version=1):
    header = header.encode()
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", len(header)) + header + payload


def npz(arrays, compressed=False, force_zip64=False):
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", compression=method) as z:
        for key, value in arrays.items():
            with z.open(key + ".npy", "w", force_zip64=force_zip64) as member:
                member.write(value if isinstance(value, bytes) else npy(value))
    return buffer.getvalue()


def local_member(name, content, method=0, crc=None, declared=None, compressed_size=None,
                 zip64=False):
    """One forged zip local header and its data (no central directory)."""
    data = content
    if method == 8:
        z = zlib.compressobj(9, zlib.DEFLATED, -15)
        data = z.compress(content) + z.flush()
    size = len(content) if declared is None else declared
    csize = len(data) if compressed_size is None else compressed_size
    crc = zlib.crc32(content) if crc is None else crc
    extra = struct.pack("<HHQQ", 1, 16, size, csize) if zip64 else b""
    fields = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (csize, size)
    header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, 0, method, 0, 0x21,
                         crc, fields[0], fields[1], len(name), len(extra))
    return header + name.encode() + extra + data


def idx(array):
    array = np.asarray(array, dtype=np.uint8)
    return struct.pack(">BBBB", 0, 0, 8, array.ndim) + struct.pack(
        ">" + "I" * array.ndim, *array.shape) + array.tobytes()


def png(width, height, colour_type, bit_depth, rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\x00" + row for row in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth,
                                                               colour_type, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def npy_seeds():
    rng = np.random.default_rng(0)
    write("npy", "uint8_images.npy", npy(rng.integers(0, 256, (3, 4, 4), dtype=np.uint8)))
    write("npy", "float_images.npy", npy(rng.random((2, 3, 3), dtype=np.float32)))
    write("npy", "float64_nan.npy", npy(np.array([[[0.5, np.nan]]])))
    write("npy", "uint16_images.npy", npy(np.array([[[0, 257], [65535, 9]]], dtype=np.uint16)))
    write("npy", "int8_negative.npy", npy(np.array([[[0, -5]]], dtype=np.int8)))
    write("npy", "labels_int64.npy", npy(np.array([0, 3, 2000000000, -1], dtype=np.int64)))
    write("npy", "bool_images.npy", npy(np.array([[[True, False]]])))
    write("npy", "channels_last.npy", npy(rng.random((2, 2, 2, 3)).astype(np.float32)))
    write("npy", "version2.npy", npy_header("{'descr': '|u1', 'fortran_order': False, "
                                            "'shape': (1, 2, 2), }", b"\x00\x01\x02\x03", 2))
    write("npy", "fortran.npy", npy_header("{'descr': '<f4', 'fortran_order': True, "
                                           "'shape': (1, 1, 1), }", b"\x00" * 4))
    write("npy", "big_endian.npy", npy_header("{'descr': '>f4', 'shape': (1, 1, 1), }", b"\x00" * 4))
    write("npy", "truncated.npy", npy(np.zeros((2, 4, 4), np.float32))[:-7])
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 2, 2, 1), }"
    write("npy", "overflow.npy", npy_header(header.ljust(117) + "\n"))
    write("npy", "empty.npy", npy(np.zeros((0, 4, 4), np.uint8)))
    write("npy", "scalar.npy", npy(np.float32(0.5)))


def npz_seeds():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (4, 3, 3), dtype=np.uint8)
    full = {"imgs": images, "labels": np.array([0, 1, 2, 1]),
            "latents_values": rng.random((4, 5))}
    write("npz", "stored.npz", npz(full))
    write("npz", "deflated.npz", npz(full, compressed=True))
    write("npz", "zip64.npz", npz(full, compressed=True, force_zip64=True))
    write("npz", "float_labels.npz", npz({"images": images, "y": np.array([0, 1.5, np.nan, 1])}))
    write("npz", "nan_factors.npz", npz({"x": images, "factors": np.array([[0.0], [np.inf], [1], [2]])}))
    member = npy(images)
    write("npz", "bad_crc.npz", local_member("imgs.npy", member, crc=zlib.crc32(member) ^ 1))
    bomb = npy(np.zeros(100, np.uint8)) + bytes(65536)
    write("npz", "bomb.npz", local_member("imgs.npy", bomb, method=8, declared=len(member)))
    write("npz", "zip64_loop.npz", local_member("imgs.npy", member, zip64=True,
                                                compressed_size=2**64 - 58))
    write("npz", "not_npy.npz", npz({"imgs": b"plain text, not an array"}))


def idx_seeds():
    images = np.arange(3 * 4 * 4).reshape(3, 4, 4)
    labels = np.array([0, 1, 2, 9, 4, 3])
    for target in ("idx", "idx_gzip"):
        write(target, "images", idx(images))
        write(target, "labels", idx(labels))
        write(target, "rgb_images", idx(np.zeros((2, 3, 2, 2))))
        write(target, "truncated", idx(images)[:-5])
        write(target, "huge_dims", struct.pack(">BBBB", 0, 0, 8, 4) + b"\x7f\xff\xff\xff" * 4)
        write(target, "float_type", struct.pack(">BBBBI", 0, 0, 0x0D, 1, 1) + b"\x00" * 4)
    write("idx", "images.gz", gzip.compress(idx(images), mtime=0))
    write("idx", "labels.gz", gzip.compress(idx(labels), mtime=0))
    write("idx", "two_members.gz", gzip.compress(idx(images)[:20], mtime=0) +
          gzip.compress(idx(images)[20:], mtime=0))
    write("idx", "cut.gz", gzip.compress(idx(images), mtime=0)[:-12])
    write("idx", "bomb.gz", gzip.compress(idx(labels) + bytes(65536), mtime=0))


def image_seeds():
    write("image", "grey.png", png(4, 3, 0, 8, [bytes([0, 80, 160, 240])] * 3))
    write("image", "rgb.png", png(2, 2, 2, 8, [bytes(range(6)), bytes(range(6, 12))]))
    write("image", "grey16.png", png(2, 1, 0, 16, [b"\x00\x00\xff\xff"]))
    write("image", "huge_declared.png", png(100000, 100000, 0, 8, [b"\x00"]))
    write("image", "truncated.png", png(4, 3, 0, 8, [bytes(4)] * 3)[:40])
    write("image", "svg_named_png.png", b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')


def embedding_seeds():
    rng = np.random.default_rng(2)
    vectors = rng.random((5, 3), dtype=np.float32)
    write("embedding", "vectors_labels_images.npz",
          npz({"embedding": vectors, "labels": np.arange(5) % 2,
               "images": rng.integers(0, 256, (5, 2, 2), dtype=np.uint8)}))
    write("embedding", "coords.npz", npz({"coords": rng.random((4, 2))}, compressed=True))
    write("embedding", "vectors.npy", npy(vectors))
    write("embedding", "nan_vectors.npz", npz({"latents": np.array([[0.0, np.nan]])}))
    write("embedding", "wrong_coords.npz", npz({"coords": vectors}))


def model_meta_seeds():
    meta = {"contract": 1, "name": "seed", "input": {"channels": 1, "height": 28, "width": 28,
            "range": [0.0, 1.0], "likelihood": "bernoulli"},
            "layers": [{"name": "z_top", "shape": [8]}, {"name": "z", "shape": [4, 7, 7]}],
            "training": {"data": "seed"}, "factors": ["shape", "scale"]}
    write("model_meta", "valid.json", json.dumps(meta).encode())
    huge = dict(meta, layers=[{"name": "z", "shape": [2000000000]}])
    write("model_meta", "huge_layer.json", json.dumps(huge).encode())
    write("model_meta", "wrong_types.json", json.dumps(dict(meta, input=[1, 2], layers="z")).encode())
    write("model_meta", "not_json.json", b"{\"contract\": 1, \"name\": ")


if __name__ == "__main__":
    npy_seeds()
    npz_seeds()
    idx_seeds()
    image_seeds()
    embedding_seeds()
    model_meta_seeds()
