"""The day's contact rows per pair: held as they come, merged to one row per pair.

:class:`sim.engine.meetings.MeetingDraw` appends the rows of the contacts that can lead
to a meeting (pair key, hazard, time and place) and merges them into one row per pair:
the hazards summed in row order (numpy's pairwise order, so that the compiled and the
numpy merge give the same bits) and the contact with the largest hazard kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.engine import kernels


def packed_sort(key: np.ndarray) -> tuple[np.ndarray, int] | None:
    """``key << bits | row``, sorted, and ``bits``; ``None`` where the keys leave no room
    (negative, or too large to share 62 bits with the row numbers)."""
    n = key.shape[0]
    bits = max(int(n - 1).bit_length(), 1)
    if not n or int(key.max()) >= (1 << (62 - bits)) or int(key.min()) < 0:
        return None
    packed = (key.astype(np.int64) << np.int64(bits)) | np.arange(n, dtype=np.int64)
    packed.sort()
    return packed, bits


def group_by_key(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A stable sorting order of int64 ``key``, the sorted keys and where each run starts.

    Where the keys leave room, each key is packed with its row number into one integer
    and sorted in place — about twice as fast as an indirect sort of tens of millions of
    pair keys, and stable by construction.
    """
    n = key.shape[0]
    sort = packed_sort(key)
    if sort is not None:
        packed, bits = sort
        order = packed & np.int64((1 << bits) - 1)
        sorted_key = packed >> np.int64(bits)
    else:
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]]) if n else order
    return order, sorted_key, starts


_SUM_FIELDS = ("key", "hazard", "best", "t", "place_kind", "place")


@dataclass
class PairSums:
    """Per pair: summed hazard and the contact with the largest one.

    Also the day's buffer of contact rows (one row per contact until merged): rows
    appended are kept as the chunks they came in, and joined only when merged, so that
    appending never copies (growing one table by copying cost 1.9 s a day at 100,000
    people, mostly in first touches of new memory).
    """

    key: np.ndarray
    hazard: np.ndarray
    best: np.ndarray
    t: np.ndarray
    place_kind: np.ndarray
    place: np.ndarray
    size: int = 0
    chunks: list[list[np.ndarray | None]] = field(default_factory=list)
    chunk_rows: int = 0

    def __len__(self) -> int:
        return self.size + self.chunk_rows

    @classmethod
    def empty(cls) -> PairSums:
        """A table without rows."""
        return cls(np.empty(0, np.int64), np.empty(0), np.empty(0), np.empty(0),
                   np.empty(0, np.int8), np.empty(0, np.int32))

    def append(
        self, key: np.ndarray, hazard: np.ndarray, t: np.ndarray, place_kind: np.ndarray,
        place: np.ndarray,
    ) -> PairSums:
        """This table, with rows added (as they are: the arrays are kept, not copied)."""
        self.chunks.append([key, hazard, hazard, t, place_kind, place])
        self.chunk_rows += key.shape[0]
        return self

    def _join(self) -> None:
        """Join the chunks to the table's rows, in order: one array per column."""
        if not self.chunks:
            return
        for c, name in enumerate(_SUM_FIELDS):
            parts = [getattr(self, name)[: self.size]]
            for chunk in self.chunks:
                parts.append(chunk[c])
                chunk[c] = None  # each chunk's column freed once joined (peak memory)
            setattr(self, name, np.concatenate(parts))
        self.size += self.chunk_rows
        self.chunks, self.chunk_rows = [], 0

    def estimated_pairs(self) -> float:
        """Distinct pairs among the rows, estimated from the pairs whose key hashes into
        a fixed sixteenth (all rows of a pair fall in or out together), to decide
        whether a merge would pay without merging."""
        with np.errstate(over="ignore"):
            picked = [k[(k.astype(np.uint64) * kernels.SPREAD) >> np.uint64(60) == 0]
                      for k in self._pieces(0)]  # fmt: skip
        return 16.0 * np.unique(np.concatenate([np.zeros(0, np.int64), *picked])).shape[0]

    def bucket_sums(self, bits: int) -> np.ndarray:
        """The rows' hazards summed into ``2 ** bits`` buckets by a hash of the pair key
        (compiled): each pair's summed hazard is at most its bucket's sum."""
        sums = np.zeros(1 << bits)
        for key, hazard in zip(self._pieces(0), self._pieces(1), strict=True):
            kernels.add_to_buckets(key, hazard, np.uint64(64 - bits), sums)
        return sums

    def keep_rows(self, keep: Callable[[np.ndarray], np.ndarray]) -> None:
        """Keep only the rows ``keep(keys)`` gives (their positions, in order), piece by
        piece (each piece's columns replaced by the kept rows; a pair's rows must be
        kept or dropped together, so that the merge still sums all of a pair's rows)."""
        if self.size:
            rows = keep(self.key[: self.size])
            for name in _SUM_FIELDS:
                setattr(self, name, getattr(self, name)[: self.size][rows])
            self.size = int(self.key.shape[0])
        for chunk in self.chunks:
            key = chunk[0]
            assert key is not None, "a column read after it was freed"
            rows = keep(key)
            shared = chunk[1] is chunk[2]  # a new chunk's best is its hazard
            for c, column in enumerate(chunk):
                if not (shared and c == 2):
                    assert column is not None
                    chunk[c] = column[rows]
            if shared:
                chunk[2] = chunk[1]
        self.chunk_rows = sum(int(chunk[0].shape[0]) for chunk in self.chunks
                              if chunk[0] is not None)

    def merged(self) -> PairSums:
        """One row per pair: hazards summed in row order, its largest contact kept (the
        first on ties).

        Consumes this table: its rows are freed as they are read (peak memory); use the
        returned table.
        """
        if not len(self):
            return PairSums.empty()
        sort = self._packed_sort() if kernels.AVAILABLE else None
        if sort is None:
            return self._merged_numpy()
        # The compiled pass reads the packed sorted keys directly, and only the columns
        # it sums are joined; the best contact's time and place are read from the
        # pieces afterwards (at 100,000 people this spares ~0.6 GB of new memory).
        packed, bits = sort
        hazard = np.concatenate(self._pieces(1))
        # Until merged, a row's best contact is its hazard (the same arrays).
        best = hazard if not self.size else np.concatenate(self._pieces(2))
        for chunk in self.chunks:
            chunk[1] = chunk[2] = None
        g = kernels.count_groups(packed, bits)
        pair, total, top = np.empty(g, np.int64), np.empty(g), np.empty(g)
        first = np.empty(g, np.int64)
        kernels.pair_groups(packed, bits, hazard, best, pair, total, top, first)
        del packed, sort, hazard, best  # before the gathers below (peak memory)
        where = self._locate(first)
        t, place_kind, place = (self._gather(c, where) for c in (3, 4, 5))
        self.chunks, self.chunk_rows, self.size = [], 0, 0
        return PairSums(pair, total, top, t, place_kind, place, g)

    def _pieces(self, c: int) -> list[np.ndarray]:
        """Column ``c`` (in :data:`_SUM_FIELDS` order) as its pieces, in row order: the
        merged rows, then each chunk."""
        pieces = [getattr(self, _SUM_FIELDS[c])[: self.size]]
        for chunk in self.chunks:
            piece = chunk[c]
            assert piece is not None, "a column read after it was freed"
            pieces.append(piece)
        return pieces

    def _packed_sort(self) -> tuple[np.ndarray, int] | None:
        """:func:`packed_sort` of the keys, packed piece by piece without joining them or
        making temporaries of the whole column; frees the key pieces."""
        n = len(self)
        bits = max(int(n - 1).bit_length(), 1)
        keys = self._pieces(0)
        top = max(int(k.max()) for k in keys if k.shape[0])
        if top >= (1 << (62 - bits)) or min(int(k.min()) for k in keys if k.shape[0]) < 0:
            return None
        packed = np.empty(n, np.int64)
        lo = 0
        for k in keys:
            hi = lo + k.shape[0]
            np.left_shift(k, bits, out=packed[lo:hi])
            packed[lo:hi] |= np.arange(lo, hi, dtype=np.int64)
            lo = hi
        for chunk in self.chunks:
            chunk[0] = None
        self.key = self.key[:0]
        packed.sort()
        return packed, bits

    def _locate(self, rows: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per piece of the table (see :meth:`_pieces`): which of ``rows`` (positions in
        the whole table) lie in it, and where in it."""
        sizes = [p.shape[0] for p in self._pieces(3)]  # the times: not freed before this
        ends = np.cumsum(sizes)
        small = np.int8 if len(sizes) < 128 else np.int32
        # Each row's piece, looked up (a binary search per row cost 0.17 s for 8 M rows).
        which = np.repeat(np.arange(len(sizes), dtype=small), sizes)[rows]
        order = np.argsort(which, kind="stable")  # a radix sort for small integers
        bounds = np.r_[0, np.cumsum(np.bincount(which, minlength=len(sizes)))]
        return [(order[bounds[i]:bounds[i + 1]],
                 rows[order[bounds[i]:bounds[i + 1]]] - (ends[i] - sizes[i]))
                for i in range(len(sizes))]  # fmt: skip

    def _gather(self, c: int, where: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """Column ``c`` at the rows located by :meth:`_locate`, read from its pieces;
        frees them."""
        pieces = self._pieces(c)
        out = np.empty(sum(at.shape[0] for at, _ in where), np.result_type(*pieces))
        for piece, (at, local) in zip(pieces, where, strict=True):
            out[at] = piece[local]
        for chunk in self.chunks:
            chunk[c] = None
        return out

    def _merged_numpy(self) -> PairSums:
        """:meth:`merged` by numpy alone."""
        self._join()
        key, hazard, best = self.key, self.hazard, self.best
        t, place_kind, place = self.t, self.place_kind, self.place
        order, key, starts = group_by_key(key)
        counts = np.diff(np.r_[starts, key.shape[0]])
        best_sorted = best[order]
        top = np.maximum.reduceat(best_sorted, starts)
        at_top = np.flatnonzero(best_sorted == np.repeat(top, counts))
        group = np.repeat(np.arange(starts.shape[0]), counts)[at_top]
        first = order[at_top[np.r_[True, group[1:] != group[:-1]]]]
        return PairSums(key[starts], np.add.reduceat(hazard[order], starts), top,
                         t[first], place_kind[first], place[first], starts.shape[0])
