"""The data RNG equals vitkit's: reference values printed by packages/data/dist/rng.js (Rng.from, permutation)."""
from vitkit_torch.rng import Rng, hash_seed, permutation


def test_matches_vitkit_rng():
    assert hash_seed(7, 2, 3, 4e9) == 1310553751
    r = Rng.from_parts(0, 1, 0)
    assert [r.next_uint32() for _ in range(5)] == [1314124304, 2578282201, 108658093, 2345639038, 688821720]
    assert permutation(12, Rng.from_parts(0, 1, 1)).tolist() == [11, 9, 2, 1, 7, 5, 6, 8, 4, 0, 10, 3]
    q = Rng.from_parts(5, 2, 0, 17)
    assert [q.int(0, 5), q.int(0, 5), q.int(0, 33)] == [2, 1, 25]
