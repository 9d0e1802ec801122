# Writes the binary files of the malformed-input corpus (tests/malformed/), deterministically.
"""Regenerates the binary files of tests/malformed/ (IDX files, images, plugins that are not
plugins, result files and trial shards). The text files there (pipelines, MANIFEST) are written
by hand. Run with Debian's python3 (numpy, h5py, PIL) and gcc:

    /usr/bin/python3 tools/make_malformed_corpus.py [tests/malformed]

The IDX files fit the valid dataset the corpus test builds around them (tests/unit/test_malformed.cpp):
train 40 images of 8x8, t10k 20 images of 8x8, labels 0..9.
"""
import gzip
import io
import os
import random
import struct
import subprocess
import sys
import tempfile
import zlib

import h5py
import numpy as np
from PIL import Image

TRAIN_N, TEST_N, SIDE = 40, 20, 8
rng = random.Random(20261123)


def put(root, rel, data):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def garbage(n):
    return bytes(rng.randrange(256) for _ in range(n))


def idx(dims, payload, type_byte=0x08):
    return bytes([0, 0, type_byte, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as f:
        f.write(data)
    return buf.getvalue()


def labels(n):
    return bytes(i % 10 for i in range(n))


def pixels(n, h=SIDE, w=SIDE):
    return bytes((i * 7) % 256 for i in range(n * h * w))


def idx_files(root):
    d = "idx"
    put(root, f"{d}/empty", b"")
    put(root, f"{d}/three_bytes", b"\x00\x00\x08")
    put(root, f"{d}/text_file", b"P5 8 8 255\nthis is a picture description, not an IDX file\n")
    put(root, f"{d}/wrong_magic", idx([TRAIN_N, SIDE, SIDE], pixels(TRAIN_N)).replace(b"\x00\x00", b"\x12\x34", 1))
    put(root, f"{d}/float_elements", idx([TRAIN_N, SIDE, SIDE], pixels(TRAIN_N) * 4, type_byte=0x0D))
    put(root, f"{d}/images_two_dims", idx([TRAIN_N, SIDE * SIDE], pixels(TRAIN_N)))
    put(root, f"{d}/labels_three_dims", idx([TRAIN_N, 1, 1], labels(TRAIN_N)))
    put(root, f"{d}/header_cut", idx([TRAIN_N, SIDE, SIDE], b"")[:12])
    put(root, f"{d}/zero_count", idx([0, SIDE, SIDE], b""))
    put(root, f"{d}/zero_height", idx([TRAIN_N, 0, SIDE], b""))
    put(root, f"{d}/huge_dimension", idx([0x7FFFFFFF], b""))
    put(root, f"{d}/huge_total", idx([1 << 28, 64, 64], garbage(64)))
    put(root, f"{d}/truncated_images", idx([TRAIN_N, SIDE, SIDE], pixels(TRAIN_N)[:1000]))
    put(root, f"{d}/trailing_data", idx([TRAIN_N, SIDE, SIDE], pixels(TRAIN_N) + b"trailing bytes"))
    put(root, f"{d}/labels_count_mismatch", idx([TRAIN_N - 3], labels(TRAIN_N - 3)))
    lab = bytearray(labels(TRAIN_N))
    lab[17] = 10
    put(root, f"{d}/label_ten", idx([TRAIN_N], bytes(lab)))
    lab[17] = 255
    put(root, f"{d}/label_255.gz", gz(idx([TRAIN_N], bytes(lab))))
    put(root, f"{d}/gzip_garbage.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + garbage(300))
    put(root, f"{d}/gzip_truncated.gz", gz(idx([TRAIN_N, SIDE, SIDE], garbage(TRAIN_N * SIDE * SIDE)))[:700])
    put(root, f"{d}/gzip_of_text.gz", gz(b"train-images-idx3-ubyte, but only its name\n"))
    put(root, f"{d}/test_other_shape", idx([TEST_N, SIDE + 1, SIDE + 1], pixels(TEST_N, SIDE + 1, SIDE + 1)))
    put(root, f"{d}/test_labels_count_mismatch", idx([TEST_N + 1], labels(TEST_N + 1)))
    lab = bytearray(labels(TEST_N))
    lab[3] = 42
    put(root, f"{d}/test_label_42", idx([TEST_N], bytes(lab)))


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(w, h, depth=8, color=0, rows=None, bad_ihdr_crc=False):
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0)
    head = png_chunk(b"IHDR", ihdr)
    if bad_ihdr_crc:
        head = head[:-4] + b"\xde\xad\xbe\xef"
    if rows is None:
        rows = b"".join(b"\x00" + bytes((x * 30) % 256 for x in range(w)) for _ in range(h))
    return b"\x89PNG\r\n\x1a\n" + head + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b"")


def jpeg(w, h):
    buf = io.BytesIO()
    Image.fromarray(np.arange(w * h, dtype=np.uint8).reshape(h, w)).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def image_files(root):
    d = "images"
    put(root, f"{d}/zero_bytes.png", b"")
    put(root, f"{d}/text_named.png", b"a text file with a .png name\n")
    good = png(SIDE, SIDE)
    put(root, f"{d}/truncated.png", good[: len(good) - 20])
    put(root, f"{d}/header_only.png", good[:33])
    put(root, f"{d}/bad_crc.png", png(SIDE, SIDE, bad_ihdr_crc=True))
    put(root, f"{d}/bad_color_type.png", png(SIDE, SIDE, color=5))
    put(root, f"{d}/bad_bit_depth.png", png(SIDE, SIDE, depth=3))
    put(root, f"{d}/absurd_dims.png", png(0x7FFFFFFF, 0x7FFFFFFF, rows=b"\x00" * 64))
    put(root, f"{d}/huge_dims.png", png(30000, 30000, rows=b"\x00" * 64))
    put(root, f"{d}/zero_width.png", png(0, SIDE, rows=b""))
    put(root, f"{d}/garbage_idat.png", good[:41] + garbage(40) + good[81:])
    j = jpeg(SIDE * 4, SIDE * 4)
    put(root, f"{d}/truncated.jpg", j[: len(j) // 2])
    put(root, f"{d}/jpeg_header_only.jpg", j[:20])
    put(root, f"{d}/pgm_short.pgm", b"P5 8 8 255\n" + bytes(10))
    put(root, f"{d}/pgm_huge.pgm", b"P5 100000 100000 255\n" + bytes(10))
    put(root, f"{d}/bmp_bad_header.bmp", b"BM" + struct.pack("<IHHI", 1000, 0, 0, 54) + struct.pack("<IiiHH", 40, 8, -8, 1, 7) + bytes(24))
    put(root, f"{d}/gif.gif", b"GIF89a" + struct.pack("<HH", 8, 8) + b"\x00\x00\x00" + garbage(40) + b";")
    put(root, f"{d}/tiff_garbage.tif", b"II*\x00" + struct.pack("<I", 8) + garbage(120))
    put(root, f"{d}/random_bytes.png", garbage(256))
    put(root, f"{d}/valid.png", good)  # placed where the folder layout is the defect


def tiny_shared_object():
    with tempfile.TemporaryDirectory() as t:
        src, out = os.path.join(t, "x.c"), os.path.join(t, "x.so")
        with open(src, "w") as f:
            f.write("int not_an_alchain_entry(void) { return 42; }\n")
        subprocess.run(["gcc", "-shared", "-fPIC", "-Os", "-s", "-nostdlib", "-Wl,--build-id=none", "-Wl,-z,noseparate-code",
                        "-Wl,-z,norelro", "-Wl,--hash-style=gnu", "-o", out, src],
                       check=True)
        with open(out, "rb") as f:
            return f.read()


def plugin_files(root):
    d = "plugins"
    so = tiny_shared_object()
    put(root, f"{d}/libalchain_policy_empty.so", b"")
    put(root, f"{d}/libalchain_policy_text.so", b"this is a text file, not an ELF object\n")
    put(root, f"{d}/libalchain_policy_random.so", garbage(2048))
    put(root, f"{d}/libalchain_policy_elf_header_only.so", so[:64])
    put(root, f"{d}/libalchain_policy_elf_truncated.so", so[: len(so) // 2])
    aarch64 = bytearray(so)
    aarch64[18:20] = struct.pack("<H", 183)  # e_machine = EM_AARCH64
    put(root, f"{d}/libalchain_policy_aarch64.so", bytes(aarch64))
    elf32 = bytearray(so)
    elf32[4] = 1  # EI_CLASS = ELFCLASS32
    put(root, f"{d}/libalchain_policy_elf32.so", bytes(elf32))
    big = bytearray(so)
    big[5] = 2  # EI_DATA = big endian
    put(root, f"{d}/libalchain_policy_big_endian.so", bytes(big))
    put(root, f"{d}/libalchain_policy_no_entry.so", so)
    put(root, f"{d}/libalchain_policy_windows.so", b"MZ\x90\x00" + bytes(56) + b"PE\x00\x00" + garbage(200))
    put(root, f"{d}/libalchain_policy_script.so", b"#!/bin/sh\necho I am not a library\n")
    put(root, f"{d}/libalchain_policy_gzipped.so", gz(so))


def attrs(obj, **kv):
    for k, v in kv.items():
        obj.attrs[k] = v


def h5_bytes(build):
    with tempfile.TemporaryDirectory() as t:
        p = os.path.join(t, "f.h5")
        with h5py.File(p, "w", libver="earliest", track_order=False) as f:
            build(f)
        with open(p, "rb") as f:
            return f.read()


def result_root(f, layout=2, fingerprint="0123456789abcdef", fmt="alchain-results"):
    f.attrs["format"] = fmt
    if layout is not None:
        f.attrs["layout"] = np.int64(layout)
    f.attrs["alchain_version"] = "0.0.0"
    f.attrs["status"] = "running"
    f.attrs["plan_fingerprint"] = fingerprint
    f.attrs["plan"] = "select:gen0:r0 select r0 (a plan of another pipeline)\n"
    f.attrs["trial_threads"] = np.int64(1)
    f.create_group("trials")


def shard(f, complete=1, fingerprint="0123456789abcdef", threads=1):
    g = f.create_group("trial")
    g.attrs["id"] = "select:gen0:r0"
    g.attrs["plan_fingerprint"] = fingerprint
    g.attrs["threads"] = np.int64(threads)
    g.attrs["rounds"] = np.int64(1)
    r = g.create_group("round_0")
    r.create_dataset("labeled", data=np.arange(10, dtype=np.int64))
    g.attrs["complete"] = complete


def result_files(root):
    d = "results"
    put(root, f"{d}/empty.h5", b"")
    put(root, f"{d}/text.h5", b"status = complete\nthis is a text file, not HDF5\n")
    put(root, f"{d}/random.h5", garbage(4096))
    put(root, f"{d}/signature_only.h5", b"\x89HDF\r\n\x1a\n" + garbage(200))
    put(root, f"{d}/foreign.h5", h5_bytes(lambda f: f.create_dataset("x", data=np.arange(5))))
    put(root, f"{d}/other_layout.h5", h5_bytes(lambda f: result_root(f, layout=1)))
    put(root, f"{d}/no_layout.h5", h5_bytes(lambda f: result_root(f, layout=None)))
    put(root, f"{d}/format_integer.h5", h5_bytes(lambda f: (result_root(f), attrs(f, format=np.int64(7)))))
    put(root, f"{d}/other_plan.h5", h5_bytes(lambda f: result_root(f)))
    whole = h5_bytes(lambda f: (result_root(f), f["trials"].create_dataset("pad", data=np.arange(400))))
    put(root, f"{d}/truncated.h5", whole[: len(whole) // 2])

    d = "shards"
    put(root, f"{d}/garbage.h5", garbage(1024))
    put(root, f"{d}/empty.h5", b"")
    put(root, f"{d}/text.h5", b"complete = 1\n")
    put(root, f"{d}/no_trial_group.h5", h5_bytes(lambda f: f.create_group("something_else")))
    put(root, f"{d}/incomplete.h5", h5_bytes(lambda f: shard(f, complete=0)))
    put(root, f"{d}/complete_string.h5", h5_bytes(lambda f: shard(f, complete="yes")))
    put(root, f"{d}/other_plan.h5", h5_bytes(lambda f: shard(f)))
    whole = h5_bytes(lambda f: shard(f))
    put(root, f"{d}/truncated.h5", whole[: len(whole) * 2 // 3])


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "malformed")
    idx_files(root)
    image_files(root)
    plugin_files(root)
    result_files(root)


if __name__ == "__main__":
    main()
