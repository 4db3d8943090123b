"""vitkit's data RNG (packages/data/src/rng.ts) bit for bit: the same seed gives the same shuffles and crops."""
import math

import numpy as np

M32 = 0xFFFFFFFF
STREAM = {"shuffle": 1, "sample": 2, "batch": 3, "split": 4, "synthetic": 5}


def _fmix32(h: int) -> int:
    h &= M32
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    h ^= h >> 16
    return h


def hash_seed(*parts: int) -> int:
    h = 0x2545F491
    for p in parts:
        lo = int(p) & M32
        hi = (int(p) // 4294967296) & M32
        h = _fmix32((h ^ lo) + 0x9E3779B9)
        h = _fmix32((h ^ hi) + 0x7F4A7C15)
    return h


class Rng:
    def __init__(self, seed: int):
        self.a, self.b, self.c, self.d = 0x9E3779B9, 0x243F6A88, 0xB7E15162, seed & M32
        for _ in range(12):
            self.next_uint32()

    @classmethod
    def from_parts(cls, *parts: int) -> "Rng":
        return cls(hash_seed(*parts))

    def next_uint32(self) -> int:
        t = (self.a + self.b + self.d) & M32
        self.d = (self.d + 1) & M32
        self.a = self.b ^ (self.b >> 9)
        self.b = (self.c + (self.c << 3)) & M32
        self.c = ((self.c << 21) & M32) | (self.c >> 11)
        self.c = (self.c + t) & M32
        return t

    def random(self) -> float:
        return self.next_uint32() / 4294967296

    def int(self, lo: int, hi: int) -> int:
        if hi <= lo:
            return lo
        return lo + math.floor(self.random() * (hi - lo))


def permutation(n: int, rng: Rng) -> np.ndarray:
    out = np.arange(n, dtype=np.int64)
    for i in range(n - 1, 0, -1):
        j = math.floor(rng.random() * (i + 1))
        out[i], out[j] = out[j], out[i]
    return out
