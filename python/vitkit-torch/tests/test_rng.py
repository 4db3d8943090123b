"""The data RNG equals vitkit's: reference values printed by packages/data/dist/rng.js (Rng.from, permutation)."""
from vitkit_torch.rng import Rng, hash_seed, permutation


def test_matches_vitkit_rng():
    assert hash_seed(7, 2, 3, 4e9) == 1310553751
    r = Rng.from_parts(0, 1, 0)
    assert [r.next_uint32() for _ in range(5)] == [1314124304, 2578282201, 108658093, 2345639038, 688821720]
    assert permutation(12, Rng.from_parts(0, 1, 1)).tolist() == [11, 9, 2, 1, 7, 5, 6, 8, 4, 0, 10, 3]
    q = Rng.from_parts(5, 2, 0, 17)
    assert [q.int(0, 5), q.int(0, 5), q.int(0, 33)] == [2, 1, 25]


def test_normal_and_beta_match_vitkit():
    """Rng.from(4, 3, 0, 1): normal() x3 then beta(0.8, 0.8), beta(1, 1), beta(0.3, 2) (libm may differ by an ulp)."""
    r = Rng.from_parts(4, 3, 0, 1)
    got = [r.normal(), r.normal(), r.normal(), r.beta(0.8, 0.8), r.beta(1, 1), r.beta(0.3, 2)]
    ref = [-1.8006048542193527, 0.4528355976068301, -1.088943005360288, 0.3256573371962682, 0.743156343277038, 0.6683756468880131]
    assert all(abs(a - b) <= 1e-12 for a, b in zip(got, ref)), got
