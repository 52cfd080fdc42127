#!/usr/bin/python3
"""Is a screenshot a rendered page, not a blank one? No PIL: the PNG is decoded with zlib.

usage: png_check.py SHOT.png [#rrggbb ...]

Decodes the PNG (8-bit RGB or RGBA, not interlaced: what Chromium writes), undoes the scanline
filters, and checks that the image has at least 16 distinct colours, that at least 2% of its
pixels are not white, and that every colour given on the command line (the tenants' fills, which
only the SVG drawings use) covers at least 50 pixels. Prints the figures; exits 1 when a check
fails.
"""
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise SystemExit(f"{path}: depth {depth}, colour type {ctype}, interlace {interlace}: unsupported")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    path, want = sys.argv[1], [c.lower() for c in sys.argv[2:]]
    w, h, bpp, rows = decode(path)
    counts = {}
    for line in rows:
        for x in range(0, len(line), bpp):
            px = line[x:x + 3]
            counts[px] = counts.get(px, 0) + 1
    total = w * h
    white = counts.get(b"\xff\xff\xff", 0)
    ink = 1 - white / total
    print(f"{path}: {w}x{h}, {len(counts)} colours, {ink:.1%} not white")
    ok = True
    if len(counts) < 16:
        print(f"{path}: only {len(counts)} colours: blank?")
        ok = False
    if ink < 0.02:
        print(f"{path}: {ink:.2%} of the pixels are not white: blank?")
        ok = False
    for c in want:
        px = bytes.fromhex(c.lstrip("#"))
        if counts.get(px, 0) < 50:
            print(f"{path}: colour {c} covers {counts.get(px, 0)} pixels: the drawings did not render")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
