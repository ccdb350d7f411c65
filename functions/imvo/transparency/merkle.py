"""The receipt log's Merkle tree as RFC 9162 section 2.1 defines it: hashes, inclusion paths, consistency proofs.

Written from the RFC's definitions (2.1.1 MTH, 2.1.3.1 PATH, 2.1.4.1 PROOF) and its verification algorithms
(2.1.3.2, 2.1.4.2), because the log publishes proofs in RFC 9162's own form and C2SP tiles of subtree hashes;
the tests recompute every root and path with pymerkle, independently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


class ProofFailed(Exception):
    """A proof does not lead to the root it claims (RFC 9162 2.1.3.2 / 2.1.4.2 "fail proof validation")."""


def leaf_hash(entry: bytes) -> bytes:
    """MTH({d0}) = SHA-256(0x00 || d0)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || MTH(left) || MTH(right))."""
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def _split(n: int) -> int:
    """k: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class Tree:
    """The leaf hashes of a log, in order, with the subtree hashes it has computed (a full subtree never changes)."""

    def __init__(self, leaves: Sequence[bytes] = ()):
        self.leaves: list[bytes] = list(leaves)
        self._full: dict[tuple[int, int], bytes] = {}

    @property
    def size(self) -> int:
        return len(self.leaves)

    def append(self, leaf: bytes) -> int:
        """Add a leaf hash; returns its index (from 0)."""
        self.leaves.append(leaf)
        return len(self.leaves) - 1

    def subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end])."""
        width = end - start
        if width == 0:
            return EMPTY_ROOT
        if width == 1:
            return self.leaves[start]
        full = width & (width - 1) == 0 and start % width == 0
        if full and (start, end) in self._full:
            return self._full[(start, end)]
        k = _split(width)
        value = node_hash(self.subtree(start, start + k), self.subtree(start + k, end))
        if full:
            self._full[(start, end)] = value
        return value

    def root(self, size: int | None = None) -> bytes:
        return self.subtree(0, self.size if size is None else size)

    def inclusion_path(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(m, D[n]) (2.1.3.1), from the leaf up."""
        size = self.size if size is None else size
        if not 0 <= index < size <= self.size:
            raise ValueError(f"no leaf {index} in a tree of {size}")
        path: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _split(end - start)
            if index - start < k:
                path.append(self.subtree(start + k, end))
                end = start + k
            else:
                path.append(self.subtree(start, start + k))
                start += k
        return path[::-1]

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) (2.1.4.1)."""
        second = self.size if second is None else second
        if not 0 < first <= second <= self.size:
            raise ValueError(f"no consistency proof from {first} to {second} in a tree of {self.size}")
        proof: list[bytes] = []
        start, end, m, complete = 0, second, first, True
        while m != end - start:
            k = _split(end - start)
            if m <= k:
                proof.append(self.subtree(start + k, end))
                end = start + k
            else:
                proof.append(self.subtree(start, start + k))
                start, m, complete = start + k, m - k, False
        if not complete:
            proof.append(self.subtree(start, end))
        return proof[::-1]


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 2.1.3.2; raises ProofFailed."""
    if not 0 <= index < size:
        raise ProofFailed(f"leaf index {index} is not inside a tree of {size}")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofFailed("the path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r != root:
        raise ProofFailed("the path does not lead to the checkpoint's root hash")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> None:
    """RFC 9162 2.1.4.2; raises ProofFailed."""
    if not 0 < first <= second:
        raise ProofFailed(f"no consistency between sizes {first} and {second}")
    if first == second:
        if proof or first_root != second_root:
            raise ProofFailed("equal sizes need equal roots and an empty proof")
        return
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        raise ProofFailed("the proof is empty")
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofFailed("the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != first_root or sr != second_root:
        raise ProofFailed("the proof does not join the two checkpoints: the log rewrote its history")

