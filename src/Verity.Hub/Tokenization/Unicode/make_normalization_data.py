#!/usr/bin/env python3
"""Writes normalization.bin: the Unicode data Verity's own NFC/NFD/NFKC/NFKD needs.

The repo runs .NET with InvariantGlobalization (no ICU), where string.Normalize leaves non-ASCII text
unchanged, so Qwen's NFC normalizer is implemented in C# from these tables.
Source: Python's unicodedata (Unicode 14 on Python 3.11). Run: python3 make_normalization_data.py

Format (little-endian):
  u32 count, then count × (u32 codepoint, u8 ccc)                  canonical combining classes != 0
  u32 count, then count × (u32 cp, u8 compat, u8 n, n × u32 cp)     one-level decomposition mappings
  u32 count, then count × (u32 first, u32 second, u32 composite)     primary composites (NFC pairs)
"""
import struct, unicodedata, os

ccc, decomp, comp = [], [], []
for cp in range(0x110000):
    if 0xD800 <= cp <= 0xDFFF:
        continue
    ch = chr(cp)
    c = unicodedata.combining(ch)
    if c:
        ccc.append((cp, c))
    if 0xAC00 <= cp <= 0xD7A3:
        continue  # Hangul syllables are algorithmic
    d = unicodedata.decomposition(ch)
    if not d:
        continue
    parts = d.split()
    compat = parts[0].startswith("<")
    if compat:
        parts = parts[1:]
    cps = [int(p, 16) for p in parts]
    decomp.append((cp, 1 if compat else 0, cps))
    if not compat and len(cps) == 2 and unicodedata.normalize("NFC", chr(cps[0]) + chr(cps[1])) == ch:
        comp.append((cps[0], cps[1], cp))

out = bytearray()
out += struct.pack("<I", len(ccc))
for cp, c in ccc:
    out += struct.pack("<IB", cp, c)
out += struct.pack("<I", len(decomp))
for cp, compat, cps in decomp:
    out += struct.pack("<IBB", cp, compat, len(cps)) + b"".join(struct.pack("<I", x) for x in cps)
out += struct.pack("<I", len(comp))
for a, b, c in comp:
    out += struct.pack("<III", a, b, c)
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "normalization.bin")
open(path, "wb").write(out)
print(f"{len(ccc)} ccc, {len(decomp)} decompositions, {len(comp)} composites, {len(out)} bytes -> {path}")
