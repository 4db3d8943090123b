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
        self.spare = None
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

    def normal(self, mean: float = 0.0, std: float = 1.0) -> float:
        """Box-Muller with the second value kept for the next call, as vitkit."""
        if getattr(self, "spare", None) is not None:
            z, self.spare = self.spare, None
            return mean + std * z
        u = 0.0
        while u <= 1e-300:
            u = self.random()
        v = self.random()
        r = math.sqrt(-2 * math.log(u))
        self.spare = r * math.sin(2 * math.pi * v)
        return mean + std * r * math.cos(2 * math.pi * v)

    def gamma(self, shape: float) -> float:
        """Marsaglia-Tsang, boosted below 1, as vitkit."""
        if shape < 1:
            u = self.random()
            return self.gamma(shape + 1) * math.pow(1e-300 if u == 0 else u, 1 / shape)
        d = shape - 1 / 3
        c = 1 / math.sqrt(9 * d)
        while True:
            while True:
                x = self.normal()
                v = 1 + c * x
                if v > 0:
                    break
            v = v * v * v
            u = self.random()
            if u < 1 - 0.0331 * x * x * x * x:
                return d * v
            if math.log(u) < 0.5 * x * x + d * (1 - v + math.log(v)):
                return d * v

    def beta(self, a: float, b: float) -> float:
        x = self.gamma(a)
        y = self.gamma(b)
        return 0.5 if x + y == 0 else x / (x + y)

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
