"""Exact and near-duplicate images, clustered, so the split can keep every cluster in one part.

Exact duplicates: the same bytes (`content_sha256`) or, after decoding and resizing, the same pixels (a PNG
saved again as another PNG). Near duplicates: a copy with noise, a brightness or contrast change, a JPEG
re-encoding or a resize. Two images are near duplicates when their 64-bit perceptual hashes (imagehash's
pHash) differ in at most `NEAR_HAMMING_BITS` bits *and* their pixels agree: the Pearson correlation of
their 8×8 grey thumbnails (luma, block-averaged from the models' 32×32) is at least `NEAR_CORRELATION`.
Clusters are the connected components of both kinds of pair (union-find over the pairs, so a chain of
copies is one cluster).

Why two tests (`python benchmarks/image_duplicates.py`; sklearn's 1,797 digits, every one a different
hand's, so every merge is a false one, and 300 digits and 300 colour images edited as above):
- pHash alone cannot both find copies and leave distinct small images apart: ≤ 2 bits merges 8 digits but
  finds only 58% of the +30-brightness digit copies and 74% of the noise σ=16 ones; ≤ 4 bits finds 88% / 98%
  and merges 97 digits; ≤ 8 bits finds every copy and merges 819 digits (46%). An 8×8 digit holds 64
  pixels of information, and simple images share low frequencies without being copies.
- the thumbnails' correlation separates what the hash cannot: every edited copy ≥ 0.995, every digit pair
  within 8 bits ≤ 0.983. So pHash ≤ 8 bits proposes and a correlation ≥ 0.99 confirms: no digit merged, every
  noise, brightness, contrast, JPEG and resize copy found. (A copy shifted by a pixel is not one here.)
Two hashes of random bits would agree in 56 of 64 about once in 4·10⁹ pairs; real images' hashes are
more alike than that (the digits show how much), which is why the pixels have the last word.

Speed: candidate pairs come from a vectorised XOR-and-popcount of every hash against the later ones, a chunk
of rows at a time (memory stays at chunk × n), over one representative per exact-duplicate group; pairs
already in one cluster are not confirmed again, so 20,000 copies of one image confirm a few batches, not
2·10⁸ pairs. 20,000 images: about 0.5 s on one core (2.7 s when all are copies of one image).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from workers.data.images.image_set import ImageSet

NEAR_HAMMING_BITS = 8  # of 64: candidates (pHash distances come even: each hash has 32 bits above its median)
NEAR_CORRELATION = 0.99  # the thumbnails' Pearson correlation that confirms a candidate
THUMBNAIL = 8  # pixels a side of the grey thumbnails compared
FLAT_STD = 2.0  # grey levels: below this an image is flat (a blank page), and correlation means nothing
FLAT_MEAN_GAP = 8.0  # two flat images this close in brightness are copies of one blank
_CHUNK = 512  # hash rows compared at once against all later ones: 512 × 20,000 booleans at a time
_CONFIRM_BATCH = 8_192  # candidate pairs compared at once, and images made thumbnails at once (~100 MiB)


@dataclass(frozen=True)
class DuplicateClusters:
    """Per image, its exact-duplicate group and its cluster (exact and near duplicates joined): ids 0..k-1,
    each numbered by its first image, so a set without duplicates gets 0..n-1 in order."""

    exact: np.ndarray  # int64 (n,)
    clusters: np.ndarray  # int64 (n,): what the split keeps together

    def members(self, ids: np.ndarray) -> list[np.ndarray]:
        """The images of each group of `ids` (`exact` or `clusters`) that holds more than one, in order."""
        order = np.argsort(ids, kind="stable")
        sizes = np.bincount(ids)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        return [order[start : start + size] for start, size in zip(starts, sizes, strict=True) if size > 1]


def find_duplicates(images: ImageSet) -> DuplicateClusters:
    """Cluster `images` into exact duplicates, and those joined with their near duplicates."""
    n = len(images)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return DuplicateClusters(exact=empty, clusters=empty)
    # Same bytes, or the same pixels once decoded and resized.
    by_bytes = _first_of_equal(np.asarray(images.content_sha256, dtype=object))
    pixel_digests = [hashlib.blake2b(row.tobytes(), digest_size=16).digest() for row in images.pixels]
    by_pixels = _first_of_equal(np.asarray(pixel_digests, dtype=object))
    exact = _roots(n, np.concatenate([by_bytes, by_pixels]), np.arange(2 * n) % n)
    clusters = exact.copy()  # each image's cluster, as its first image
    representatives = np.flatnonzero(exact == np.arange(n))  # each exact group's first image
    hashes = np.asarray(images.phash, dtype=np.uint64)[representatives]
    thumbnails = _Thumbnails(images.pixels)
    for start in range(0, len(representatives), _CHUNK):
        block = hashes[start : start + _CHUNK]
        distance = np.bitwise_count(block[:, None] ^ hashes[None, start:])
        # Only pairs (i, j) with j after i: the block's own lower triangle and diagonal are dropped.
        later = np.arange(distance.shape[1])[None, :] > np.arange(len(block))[:, None]
        rows, columns = np.nonzero((distance <= NEAR_HAMMING_BITS) & later)
        a, b = representatives[start + rows], representatives[start + columns]
        # Confirm a batch at a time; after a batch that joined images, drop the pairs it joined already: a
        # set of many copies of one image confirms a few batches, not every pair of copies.
        joined = True
        while len(a):
            if joined:
                unjoined = clusters[a] != clusters[b]
                a, b = a[unjoined], b[unjoined]
                if len(a) == 0:
                    break
            batch_a, batch_b = a[:_CONFIRM_BATCH], b[:_CONFIRM_BATCH]
            a, b = a[_CONFIRM_BATCH:], b[_CONFIRM_BATCH:]
            confirmed = thumbnails.alike(batch_a, batch_b)
            joined = bool(confirmed.any())
            if joined:
                # Union: the clusters so far (each image to its cluster's first image) plus the new pairs.
                clusters = _roots(
                    n,
                    np.concatenate([np.arange(n), batch_a[confirmed]]),
                    np.concatenate([clusters, batch_b[confirmed]]),
                )
    return DuplicateClusters(exact=_numbered(exact), clusters=_numbered(clusters))


def _first_of_equal(keys: np.ndarray) -> np.ndarray:
    """For each position, the first position holding an equal key."""
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return first[inverse.ravel()]


def _roots(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per image, the first image of its connected component over the pairs (a[k], b[k]) (scipy's
    union-find in C)."""
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    first = np.full(int(labels.max()) + 1, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n))
    return first[labels]


def _numbered(roots: np.ndarray) -> np.ndarray:
    """Ids 0..k-1 for the roots, in the order of their first images."""
    _, ids = np.unique(roots, return_inverse=True)
    return ids.astype(np.int64).ravel()


class _Thumbnails:
    """Every image's grey thumbnail, centred and scaled to unit length (so a pair's Pearson correlation is
    one dot product of THUMBNAIL² numbers), with its mean and spread; made once, a batch of images at a time
    (20,000 thumbnails: 5 MiB)."""

    def __init__(self, pixels: np.ndarray) -> None:
        n = len(pixels)
        self.unit = np.zeros((n, THUMBNAIL * THUMBNAIL), dtype=np.float32)
        self.mean = np.zeros(n, dtype=np.float32)
        self.std = np.zeros(n, dtype=np.float32)
        for start in range(0, n, _CONFIRM_BATCH):
            grey = _grey(pixels[start : start + _CONFIRM_BATCH])
            if grey.shape[1] != self.unit.shape[1]:  # a size THUMBNAIL does not divide: compared whole
                self.unit = np.zeros((n, grey.shape[1]), dtype=np.float32)
            mean, std = grey.mean(axis=1), grey.std(axis=1)
            stop = start + len(grey)
            self.mean[start:stop], self.std[start:stop] = mean, std
            with np.errstate(divide="ignore", invalid="ignore"):
                unit = (grey - mean[:, None]) / (std[:, None] * np.sqrt(grey.shape[1]))
            self.unit[start:stop] = np.where(std[:, None] >= FLAT_STD, unit, 0)

    def alike(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether each pair (a[k], b[k]) is a near duplicate by its pixels: the thumbnails' correlation, or,
        for two flat images (a blank page), their brightness."""
        correlation = np.einsum("ij,ij->i", self.unit[a], self.unit[b])
        sharp = (self.std[a] >= FLAT_STD) & (self.std[b] >= FLAT_STD)
        flat = (self.std[a] < FLAT_STD) & (self.std[b] < FLAT_STD)
        close = np.abs(self.mean[a] - self.mean[b]) < FLAT_MEAN_GAP
        return np.asarray((sharp & (correlation >= NEAR_CORRELATION)) | (flat & close), dtype=bool)


# ITU-R 601 luma, as Pillow's convert("L") (and so the pHash) sees a colour image: JPEG keeps it sharpest
# (colour is subsampled), so a re-encoded copy correlates best in it.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _grey(pixels: np.ndarray) -> np.ndarray:
    """(k, channels, size, size) uint8 → (k, THUMBNAIL²) float32 grey levels (luma for colour), averaged over
    blocks down to THUMBNAIL × THUMBNAIL: averaging 16 pixels divides pixel noise by 4, while what tells
    two different images apart (their shapes) survives at 8×8 (sklearn's digits are 8×8 to begin with)."""
    values = pixels.astype(np.float32)
    grey = np.einsum("kchw,c->khw", values, _LUMA) if pixels.shape[1] == 3 else values.mean(axis=1)
    size = grey.shape[-1]
    if size % THUMBNAIL == 0:
        block = size // THUMBNAIL
        grey = grey.reshape(len(grey), THUMBNAIL, block, THUMBNAIL, block).mean(axis=(2, 4))
    return grey.reshape(len(pixels), -1)
