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


def pair_bits(key_sum: np.ndarray) -> np.ndarray:
    """The 53-bit integer behind :func:`pair_uniform`, from the sum of the two day keys.

    ``pair_bits(ka + kb) / 2**53 == pair_uniform(ka, kb)``. Computed in place: the engine
    calls it on tens of millions of candidate pairs a day, and comparing integers against
    a threshold saves the conversion to floats.
    """
    x = np.array(key_sum, dtype=np.uint64, copy=True)
    with np.errstate(over="ignore"):
        x += np.uint64(0x9E3779B97F4A7C15)
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    x >>= np.uint64(11)
    return x


PAIR_BITS_SCALE = 9007199254740992.0
"""2**53: :func:`pair_bits` divided by this is the pair's uniform."""


def pair_uniform(key_a: np.ndarray, key_b: np.ndarray) -> np.ndarray:
    """Uniform in [0, 1) per pair from the two people's day keys; symmetric in a and b.

    Summing the keys makes the draw independent of which person is listed first.
    """
    with np.errstate(over="ignore"):
        h = _splitmix64(key_a + key_b)
    return (h >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
