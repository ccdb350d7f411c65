"""The receipt log's Merkle tree (issue 23) against RFC 9162, section 2.1, recomputed independently: by pymerkle, and
by the RFC's own recursive definitions written out here; and the C2SP tlog-tiles layout."""

import hashlib

import pytest
from pymerkle import InmemoryTree

from imvo.transparency.merkle import ProofFailed, Tree, leaf_hash, verify_consistency, verify_inclusion
from imvo.transparency.publication import tile_path, tiles_between

SIZES = list(range(1, 34)) + [64, 65, 100, 257]


def _entries(n: int) -> list[bytes]:
    return [hashlib.sha256(f"receipt {i}".encode()).digest() for i in range(n)]


# RFC 9162 2.1.1, 2.1.3.1 and 2.1.4.1, literally: MTH, PATH and SUBPROOF as the RFC writes them.
def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + _mth(d[:k]) + _mth(d[k:])).digest()


def _path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    return _path(m, d[:k]) + [_mth(d[k:])] if m < k else _path(m - k, d[k:]) + [_mth(d[:k])]


def _subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [_mth(d)]
    k = _k(len(d))
    return _subproof(m, d[:k], b) + [_mth(d[k:])] if m <= k else _subproof(m - k, d[k:], False) + [_mth(d[:k])]


@pytest.mark.parametrize("size", SIZES)
def test_roots_and_inclusion_paths_are_rfc_9162s_and_pymerkles(size):
    entries = _entries(size)
    tree = Tree([leaf_hash(e) for e in entries])
    library = InmemoryTree()
    for entry in entries:
        library.append_entry(entry)
    assert tree.root() == _mth(entries) == library.get_root()
    for index in range(size):
        path = tree.inclusion_path(index)
        assert path == _path(index, entries)
        assert path == library.prove_inclusion(index + 1, size).path[1:]  # pymerkle: the leaf first, 1-based
        verify_inclusion(leaf_hash(entries[index]), index, size, path, tree.root())


@pytest.mark.parametrize("size", [s for s in SIZES if s <= 65])
def test_consistency_proofs_are_rfc_9162s_and_join_the_two_roots(size):
    entries = _entries(size)
    tree = Tree([leaf_hash(e) for e in entries])
    for first in range(1, size + 1):
        proof = tree.consistency_proof(first)
        assert proof == _subproof(first, entries, True)
        verify_consistency(first, size, _mth(entries[:first]), _mth(entries), proof)


def test_a_rewritten_history_or_a_forged_path_fails_the_proof():
    entries = _entries(20)
    tree = Tree([leaf_hash(e) for e in entries])
    rewritten = Tree([leaf_hash(e) for e in entries[:6] + [b"changed"] + entries[7:]])
    with pytest.raises(ProofFailed, match="rewrote its history"):
        verify_consistency(10, 20, tree.root(10), rewritten.root(), rewritten.consistency_proof(10))
    path = tree.inclusion_path(3)
    with pytest.raises(ProofFailed):
        verify_inclusion(leaf_hash(entries[3]), 4, 20, path, tree.root())  # another place
    with pytest.raises(ProofFailed):
        verify_inclusion(leaf_hash(b"not logged"), 3, 20, path, tree.root())
    with pytest.raises(ProofFailed):
        verify_inclusion(leaf_hash(entries[3]), 3, 20, path[:-1], tree.root())


def test_tile_paths_and_the_tiles_of_a_growing_tree_follow_c2sp_tlog_tiles():
    # The specification's examples: index 1234067 is x001/x234/067; a tree of 70,000 has 273 full level-0 tiles,
    # a partial one of 112, one full level-1 tile, a partial one of 17 and a partial level-2 tile of 1.
    assert tile_path(0, 1234067) == "log/tile/0/x001/x234/067"
    assert tile_path(1, 5, 17) == "log/tile/1/005.p/17"
    entries = _entries(70_000)
    tree = Tree([leaf_hash(e) for e in entries])
    tiles = tiles_between(tree, entries, 0, 70_000)
    level0 = [p for p in tiles if p.startswith("log/tile/0/")]
    assert len([p for p in level0 if ".p/" not in p]) == 273 and "log/tile/0/273.p/112" in tiles
    assert sorted(p for p in tiles if p.startswith("log/tile/1/")) == ["log/tile/1/000", "log/tile/1/001.p/17"]
    assert list(p for p in tiles if p.startswith("log/tile/2/")) == ["log/tile/2/000.p/1"]
    # A level-1 hash is the root of the full level-0 tile under it; an entry bundle is uint16-length-prefixed entries.
    assert tiles["log/tile/1/000"][:32] == tree.subtree(0, 256) == _mth(entries[:256])
    bundle = tiles["log/tile/entries/000"]
    assert len(bundle) == 256 * 34 and bundle[:2] == b"\x00\x20" and bundle[2:34] == entries[0]
    # Growing from 70,000 to 70,300 publishes only what is new: the tiles from the 273rd on.
    more = _entries(70_300)
    grown = tiles_between(Tree([leaf_hash(e) for e in more]), more, 70_000, 70_300)
    assert "log/tile/0/273" in grown and "log/tile/0/274.p/156" in grown and "log/tile/0/272" not in grown
