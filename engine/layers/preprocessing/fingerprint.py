"""The string hashes Keras's hashing layers get from TensorFlow, in pure Python so they match
bit for bit without it: FarmHash's Fingerprint64 (farmhashna::Hash64, what
tf.strings.to_hash_bucket_fast and tf.fingerprint use), SipHash-2-4 keyed by two 64-bit
words (tf.strings.to_hash_bucket_strong's, a salted hash) and FingerprintCat64, which
tf.sparse.cross_hashed uses to combine the hashes of crossed features. Each takes bytes and
returns an unsigned 64-bit int."""

from __future__ import annotations

MASK = (1 << 64) - 1
K0, K1, K2 = 0xC3A5C85C97CB3127, 0xB492B66FBE98F273, 0x9AE16A3B2F90404F
K_MUL = 0x9DDFEA08EB382D69  # Hash128to64's multiplier
CAT_MUL = 0xC6A4A7935BD1E995  # FingerprintCat64's


def _fetch64(data: bytes, at: int) -> int:
    return int.from_bytes(data[at:at + 8], "little")


def _fetch32(data: bytes, at: int) -> int:
    return int.from_bytes(data[at:at + 4], "little")


def _rotate(value: int, shift: int) -> int:
    """Rotate right by `shift` bits, as FarmHash's Rotate."""
    return value if shift == 0 else ((value >> shift) | (value << (64 - shift))) & MASK


def _shift_mix(value: int) -> int:
    return value ^ (value >> 47)


def _hash_len16(u: int, v: int, mul: int = K_MUL) -> int:
    a = _shift_mix(((u ^ v) * mul) & MASK)
    b = _shift_mix(((v ^ a) * mul) & MASK)
    return (b * mul) & MASK


def _hash_len0to16(s: bytes) -> int:
    length = len(s)
    if length >= 8:
        mul = K2 + length * 2
        a = (_fetch64(s, 0) + K2) & MASK
        b = _fetch64(s, length - 8)
        c = (_rotate(b, 37) * mul + a) & MASK
        d = ((_rotate(a, 25) + b) * mul) & MASK
        return _hash_len16(c, d, mul)
    if length >= 4:
        mul = K2 + length * 2
        a = _fetch32(s, 0)
        return _hash_len16((length + (a << 3)) & MASK, _fetch32(s, length - 4), mul)
    if length > 0:
        y = (s[0] + (s[length >> 1] << 8)) & 0xFFFFFFFF
        z = (length + (s[length - 1] << 2)) & 0xFFFFFFFF
        return (_shift_mix(((y * K2) ^ (z * K0)) & MASK) * K2) & MASK
    return K2


def _hash_len17to32(s: bytes) -> int:
    length = len(s)
    mul = K2 + length * 2
    a = (_fetch64(s, 0) * K1) & MASK
    b = _fetch64(s, 8)
    c = (_fetch64(s, length - 8) * mul) & MASK
    d = (_fetch64(s, length - 16) * K2) & MASK
    return _hash_len16((_rotate((a + b) & MASK, 43) + _rotate(c, 30) + d) & MASK,
                       (a + _rotate((b + K2) & MASK, 18) + c) & MASK, mul)


def _hash_len33to64(s: bytes) -> int:
    length = len(s)
    mul = K2 + length * 2
    a = (_fetch64(s, 0) * K2) & MASK
    b = _fetch64(s, 8)
    c = (_fetch64(s, length - 8) * mul) & MASK
    d = (_fetch64(s, length - 16) * K2) & MASK
    y = (_rotate((a + b) & MASK, 43) + _rotate(c, 30) + d) & MASK
    z = _hash_len16(y, (a + _rotate((b + K2) & MASK, 18) + c) & MASK, mul)
    e = (_fetch64(s, 16) * mul) & MASK
    f = _fetch64(s, 24)
    g = ((y + _fetch64(s, length - 32)) * mul) & MASK
    h = ((z + _fetch64(s, length - 24)) * mul) & MASK
    return _hash_len16((_rotate((e + f) & MASK, 43) + _rotate(g, 30) + h) & MASK,
                       (e + _rotate((f + a) & MASK, 18) + g) & MASK, mul)


def _weak_hash_len32_with_seeds(s: bytes, at: int, a: int, b: int) -> tuple[int, int]:
    w, x, y, z = (_fetch64(s, at + 8 * i) for i in range(4))
    a = (a + w) & MASK
    b = _rotate((b + a + z) & MASK, 21)
    c = a
    a = (a + x + y) & MASK
    b = (b + _rotate(a, 44)) & MASK
    return (a + z) & MASK, (b + c) & MASK


def fingerprint64(s: bytes) -> int:
    """FarmHash Fingerprint64 of `s`: TensorFlow's Fingerprint64."""
    length = len(s)
    if length <= 16:
        return _hash_len0to16(s)
    if length <= 32:
        return _hash_len17to32(s)
    if length <= 64:
        return _hash_len33to64(s)
    seed = 81
    y = (seed * K1 + 113) & MASK
    z = (_shift_mix((y * K2 + 113) & MASK) * K2) & MASK
    v, w = (0, 0), (0, 0)
    x = (seed * K2 + _fetch64(s, 0)) & MASK
    end = ((length - 1) // 64) * 64
    last64 = end + ((length - 1) & 63) - 63
    at = 0
    while True:
        x = (_rotate((x + y + v[0] + _fetch64(s, at + 8)) & MASK, 37) * K1) & MASK
        y = (_rotate((y + v[1] + _fetch64(s, at + 48)) & MASK, 42) * K1) & MASK
        x ^= w[1]
        y = (y + v[0] + _fetch64(s, at + 40)) & MASK
        z = (_rotate((z + w[0]) & MASK, 33) * K1) & MASK
        v = _weak_hash_len32_with_seeds(s, at, (v[1] * K1) & MASK, (x + w[0]) & MASK)
        w = _weak_hash_len32_with_seeds(s, at + 32, (z + w[1]) & MASK,
                                        (y + _fetch64(s, at + 16)) & MASK)
        z, x = x, z
        at += 64
        if at == end:
            break
    mul = K1 + ((z & 0xFF) << 1)
    at = last64
    w = ((w[0] + ((length - 1) & 63)) & MASK, w[1])
    v = ((v[0] + w[0]) & MASK, v[1])
    w = ((w[0] + v[0]) & MASK, w[1])
    x = (_rotate((x + y + v[0] + _fetch64(s, at + 8)) & MASK, 37) * mul) & MASK
    y = (_rotate((y + v[1] + _fetch64(s, at + 48)) & MASK, 42) * mul) & MASK
    x ^= (w[1] * 9) & MASK
    y = (y + v[0] * 9 + _fetch64(s, at + 40)) & MASK
    z = (_rotate((z + w[0]) & MASK, 33) * mul) & MASK
    v = _weak_hash_len32_with_seeds(s, at, (v[1] * mul) & MASK, (x + w[0]) & MASK)
    w = _weak_hash_len32_with_seeds(s, at + 32, (z + w[1]) & MASK,
                                    (y + _fetch64(s, at + 16)) & MASK)
    z, x = x, z
    return _hash_len16((_hash_len16(v[0], w[0], mul) + _shift_mix(y) * K0 + z) & MASK,
                       (_hash_len16(v[1], w[1], mul) + x) & MASK, mul)


def siphash64(key: tuple[int, int], s: bytes) -> int:
    """SipHash-2-4 of `s` keyed by two unsigned 64-bit words (highwayhash's SipHash)."""
    k0, k1 = key[0] & MASK, key[1] & MASK
    v0, v1 = k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D
    v2, v3 = k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573

    def rounds(count):
        nonlocal v0, v1, v2, v3
        for _ in range(count):
            v0 = (v0 + v1) & MASK
            v1 = _rotate(v1, 64 - 13) ^ v0
            v0 = _rotate(v0, 64 - 32)
            v2 = (v2 + v3) & MASK
            v3 = _rotate(v3, 64 - 16) ^ v2
            v0 = (v0 + v3) & MASK
            v3 = _rotate(v3, 64 - 21) ^ v0
            v2 = (v2 + v1) & MASK
            v1 = _rotate(v1, 64 - 17) ^ v2
            v2 = _rotate(v2, 64 - 32)

    length = len(s)
    whole = length - length % 8
    last = (length & 0xFF) << 56 | int.from_bytes(s[whole:], "little")
    for word in [_fetch64(s, at) for at in range(0, whole, 8)] + [last]:
        v3 ^= word
        rounds(2)
        v0 ^= word
    v2 ^= 0xFF
    rounds(4)
    return v0 ^ v1 ^ v2 ^ v3


def fingerprint_cat64(first: int, second: int) -> int:
    """TensorFlow's FingerprintCat64: two fingerprints combined into one."""
    result = first ^ CAT_MUL
    result ^= (_shift_mix((second * CAT_MUL) & MASK) * CAT_MUL) & MASK
    result = (result * CAT_MUL) & MASK
    result = (_shift_mix(result) * CAT_MUL) & MASK
    return _shift_mix(result)
