"""Seeded randomness: named streams and counter-based uniforms.

Two mechanisms keep results reproducible and comparable across layouts (common random
numbers):

* :func:`stream` gives a ``numpy.random.Generator`` for a *named purpose*, e.g.
  ``stream(seed, "population", "panum", "student")``. Naming streams by stable ids rather
  than by position means adding a building to a layout does not change the people or
  day plans drawn for the other buildings.
* :func:`hash_uniform` gives a uniform number as a pure function of integer keys (a
  splitmix64 hash), so the same pair of people meeting for the n-th time on a day gets
  the same draw whatever else differs between two layouts.
"""

from __future__ import annotations

import hashlib

import numpy as np

from sim.compiled import inline

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def stable_key(value: str | int) -> int:
    """A 64-bit integer from a string or int that is the same on every run and machine.

    Python's ``hash`` of a string is salted per process, so it cannot be used here.
    """
    if isinstance(value, int):
        return value & 0xFFFFFFFFFFFFFFFF
    digest = hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def stream(seed: int, *keys: str | int) -> np.random.Generator:
    """An independent generator for the purpose named by ``keys`` under ``seed``."""
    seq = np.random.SeedSequence(entropy=int(seed), spawn_key=tuple(stable_key(k) for k in keys))
    return np.random.Generator(np.random.PCG64(seq))


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser on a uint64 array (wrap-around arithmetic is intended)."""
    x = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK64
    x = ((x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK64
    x = ((x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK64
    return x ^ (x >> np.uint64(31))


splitmix64 = inline(_splitmix64)
""":func:`_splitmix64` compiled for one uint64 inside numba's loops (the same code)."""


def hash_key(seed: int, *keys: np.ndarray | int) -> np.ndarray:
    """A uint64 hash of ``seed`` and integer keys (broadcast together), order mattering.

    Combine it with further keys through :func:`mix_key` and turn it into a uniform
    with :func:`key_uniform`: the same as :func:`hash_uniform`, in steps, so a hash
    shared by many draws (a person's, say) is computed once.
    """
    with np.errstate(over="ignore"):
        h = _splitmix64(np.asarray(stable_key(int(seed)), dtype=np.uint64))
        for k in keys:
            h = _splitmix64(h ^ np.asarray(k).astype(np.uint64))
    return h


def mix_key(h: np.ndarray, key: np.ndarray | int) -> np.ndarray:
    """The hash ``h`` combined with one more integer key (broadcast)."""
    with np.errstate(over="ignore"):
        return _splitmix64(np.asarray(h, np.uint64) ^ np.asarray(key).astype(np.uint64))


def _key_unit(h: np.uint64) -> float:
    """:func:`key_uniform` of one hash, for numba's loops (compiled as :data:`key_unit`)."""
    return np.float64(h >> np.uint64(11)) * (1.0 / 9007199254740992.0)


key_unit = inline(_key_unit)
""":func:`key_uniform` of one uint64 hash inside numba's loops (the same operations)."""


def key_uniform(h: np.ndarray) -> np.ndarray:
    """Uniform in [0, 1) from a uint64 hash (its top 53 bits)."""
    return (np.asarray(h, np.uint64) >> np.uint64(11)).astype(np.float64) * (
        1.0 / 9007199254740992.0
    )


def hash_uniform(seed: int, *keys: np.ndarray | int) -> np.ndarray:
    """Uniform numbers in [0, 1) as a deterministic function of ``seed`` and integer keys.

    Parameters
    ----------
    seed
        The run's seed.
    *keys
        Integer arrays (broadcast together) or scalars; order matters.

    Returns
    -------
    numpy.ndarray
        float64 array with the broadcast shape of ``keys``.
    """
    with np.errstate(over="ignore"):
        h = _splitmix64(np.asarray(stable_key(int(seed)), dtype=np.uint64))
        for k in keys:
            h = _splitmix64(h ^ np.asarray(k).astype(np.uint64))
    # The top 53 bits make an exactly representable double in [0, 1).
    return (h >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def agent_day_keys(seed: int, day: int, uid: np.ndarray) -> np.ndarray:
    """Per-person hash keys of one day, to combine into pair uniforms cheaply."""
    with np.errstate(over="ignore"):
        h = _splitmix64(np.asarray(stable_key(int(seed)), dtype=np.uint64))
        h = _splitmix64(h ^ np.uint64(day))
        return _splitmix64(h ^ uid.astype(np.uint64))


PAIR_CLASSES = 19
"""Day classes of people, by default (``model.pair_classes``): the whole part of 19
times a pair's uniform is the sum of the two people's classes, modulo 19 (see
:func:`pair_uniform`)."""
_HASH_BITS = 48


def day_class(key: np.ndarray, classes: int = PAIR_CLASSES) -> np.ndarray:
    """Each person's class of the day (0 .. ``classes`` - 1) from their day key: bits
    32-63 of the key scaled to the classes (a multiply, not a division, so that the
    compiled loops stay cheap)."""
    high = np.asarray(key, np.uint64) >> np.uint64(32)
    return (high * np.uint64(classes)) >> np.uint64(32)


def pair_class(key_a: np.ndarray, key_b: np.ndarray, classes: int = PAIR_CLASSES) -> np.ndarray:
    """The pair's class sum: the two people's classes added modulo ``classes``."""
    return (day_class(key_a, classes) + day_class(key_b, classes)) % np.uint64(classes)


def pair_hash(key_a: np.ndarray, key_b: np.ndarray) -> np.ndarray:
    """48 bits of a splitmix64 hash of the sum of the two day keys (symmetric in a, b)."""
    with np.errstate(over="ignore"):
        x = _splitmix64(np.asarray(key_a, np.uint64) + np.asarray(key_b, np.uint64))
    return x >> np.uint64(64 - _HASH_BITS)


def class_uniform(cls: np.ndarray, h: np.ndarray, classes: int = PAIR_CLASSES) -> np.ndarray:
    """``(cls + h / 2**48) / classes``: the pair uniform from its class sum and hash.
    The sum is exact in a double (fewer than 32 classes); the division is correctly
    rounded, so the compiled loops (:func:`sim.engine.kernels._pair_uniform`) give the
    same bits, and the result is non-decreasing in ``h`` for a given class and below 1."""
    frac = np.asarray(h, np.uint64).astype(np.float64) * (1.0 / (1 << _HASH_BITS))
    return (np.asarray(cls, np.uint64).astype(np.float64) + frac) / float(classes)


def pair_uniform(
    key_a: np.ndarray, key_b: np.ndarray, classes: int = PAIR_CLASSES
) -> np.ndarray:
    """Uniform in [0, 1) per pair from the two people's day keys; symmetric in a and b.

    The uniform is ``(s + h) / 19``: ``s`` is the sum of the two people's day classes
    modulo 19 (:func:`day_class`), ``h`` a hash of the sum of their day keys, uniform in
    [0, 1). Each pair's uniform is uniform, and independent of any other pair's, and of
    the two other pairs' of any three people (19 is odd), as the model needs. What the
    classes add is structure that lets the contact search find the pairs whose uniform
    is below a small bound without visiting the rest: all of them have class sum 0, so
    a person is checked against the people of one class in 19
    (:mod:`sim.engine.candidates`). The price: among four or more people the uniforms are
    not all independent (around a ring of four pairs, three class sums fix the fourth),
    which changes joint events of such rings on one day, never one pair's chance
    (docs/MODEL.md 7.4; the headline figures, measured, move by under 0.2 %).
    With ``classes`` = 1 every pair's uniform is an independent hash (and the search
    visits every candidate pair).
    """
    return class_uniform(pair_class(key_a, key_b, classes), pair_hash(key_a, key_b), classes)


def hash_bound(cls: np.ndarray, u: float, classes: int = PAIR_CLASSES) -> np.ndarray:
    """For each class sum in ``cls``: the number of hashes ``h`` whose uniform
    (:func:`class_uniform`) is below ``u`` (0 .. 2**48), found by bisection, so that
    ``class_uniform(cls, h) < u`` exactly when ``h < hash_bound(cls, u)``."""
    cls = np.asarray(cls, np.uint64)
    lo = np.zeros(cls.shape, np.uint64)  # invariant: every h < lo is below u
    hi = np.full(cls.shape, np.uint64(1 << _HASH_BITS))  # ... and no h >= hi is
    while np.any(lo < hi):
        mid = lo + (hi - lo) // np.uint64(2)
        h = np.minimum(mid, np.uint64((1 << _HASH_BITS) - 1))
        below = class_uniform(cls, h, classes) < u
        below &= mid < np.uint64(1 << _HASH_BITS)
        lo = np.where(below & (lo < hi), mid + np.uint64(1), lo)
        hi = np.where(~below & (lo < hi), mid, hi)
    return lo
