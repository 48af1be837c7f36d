"""Frame sizes, time on air, and the decoder fuzz campaign (``soleguard frames``, ``soleguard fuzz``).

Both use the firmware modules unchanged (soleguard.core.protocol, soleguard.core.airtime).
"""
from __future__ import annotations

import random

from soleguard.core import airtime, protocol as p

TEAM = 0x5347
_KEY = b"soleguard-fuzz-team-key-0123456789"
SFS = (7, 9, 12)


def frames_report() -> dict:
    """Per frame type: direction, fields, bytes, time on air (ms) at SF7/9/12, 125 kHz, CR 4/5."""
    rows = []
    for code, name, spec in p.frame_types():
        n = p.frame_len(code)
        rows.append({
            "type": name,
            "code": code,
            "direction": "downlink" if p.is_downlink(code) else "uplink",
            "fields": [{"name": f[0], "bytes": f[1], "min": f[2], "max": f[3]} for f in spec],
            "bytes": n,
            "time_on_air_ms": {"SF%d" % sf: airtime.time_on_air_us(n, sf) / 1000 for sf in SFS},
        })
    return {
        "version": p.VERSION,
        "header_bytes": p.HEADER_LEN,
        "mac_bytes": p.MAC_LEN,
        "radio": "LoRa 125 kHz, CR 4/5, preamble 8, explicit header, CRC on, LDRO from SF11",
        "frames": rows,
    }


class _Campaign:
    def __init__(self):
        self.categories: dict = {}
        self.keys = p.Keys(_KEY)

    def decoder(self, downlink, capacity=64):
        return p.Decoder(self.keys, TEAM, p.ReplayWindow(capacity), downlink)

    def feed(self, category, dec, data, expect_ok=False):
        cat = self.categories.setdefault(category, {"cases": 0, "accepted": 0, "exceptions": 0, "reasons": {}})
        cat["cases"] += 1
        try:
            r = dec.decode(data)
        except Exception:  # the decoder must never raise: counted, and the report fails
            cat["exceptions"] += 1
            return None
        name = p.REASONS[r]
        cat["reasons"][name] = cat["reasons"].get(name, 0) + 1
        if r == p.OK:
            cat["accepted"] += 1
        return r


def _valid_frames(keys, rng, sender_hw=b"fuzz-insole", per_type=3):
    """(code, downlink, frame bytes) for every type, ``per_type`` random valid frames each."""
    enc = p.Encoder(keys, TEAM, keys.device_id(sender_hw), p.TxCounter(p.MemoryStore()))
    out = []
    for code, name, spec in p.frame_types():
        for _ in range(per_type):
            vals = [rng.randint(f[2], f[3]) for f in spec] + [0] * (4 - len(spec))
            n = enc.encode(code, *vals)
            out.append((code, p.is_downlink(code), bytes(enc.mv[:n])))
    return out


def fuzz(seed: int = 1, random_cases: int = 100_000) -> dict:
    """Run the decoder over hostile input; returns counts per category and in total.

    Categories: ``random`` (arbitrary bytes, 0..40 long), ``random_prefixed``
    (valid version/team/type, random rest: reaches the MAC check),
    ``truncated`` (every valid frame cut at every length), ``bit_flip`` (every
    single-bit flip of every valid frame), ``replay`` (every valid frame again),
    ``wrong_team`` (a team id or a key of another team), ``wrong_version``
    (every other version byte), ``wrong_direction``, and ``valid`` (must all be accepted).
    Everything but ``valid`` must be rejected, and nothing may raise.
    """
    rng = random.Random(seed)
    c = _Campaign()
    frames = _valid_frames(c.keys, rng)
    half = random_cases // 2
    codes = [row[0] for row in p.frame_types()]
    for i in range(half):
        dec = c.decoder(i % 2 == 1)
        c.feed("random", dec, rng.randbytes(rng.randint(0, 40)))
    for i in range(random_cases - half):
        code = rng.choice(codes)
        data = bytearray(rng.randbytes(p.frame_len(code) + rng.choice((-1, 0, 0, 0, 1))))
        if len(data) >= p.HEADER_LEN:
            data[0] = p.VERSION
            data[1:3] = TEAM.to_bytes(2, "big")
            data[11] = code
        c.feed("random_prefixed", c.decoder(p.is_downlink(code)), bytes(data))
    for code, down, f in frames:
        dec = c.decoder(down)
        c.feed("valid", dec, f, expect_ok=True)
        c.feed("replay", dec, f)
        c.feed("wrong_direction", c.decoder(not down), f)
        for cut in range(len(f)):
            c.feed("truncated", c.decoder(down), f[:cut])
        for bit in range(8 * len(f)):
            g = bytearray(f)
            g[bit // 8] ^= 1 << (bit % 8)
            c.feed("bit_flip", c.decoder(down), bytes(g))
        for v in range(256):
            if v != p.VERSION:
                c.feed("wrong_version", c.decoder(down), bytes([v]) + f[1:])
        other_team = p.Decoder(c.keys, TEAM ^ 0x0101, p.ReplayWindow(4), down)
        c.feed("wrong_team", other_team, f)
    other_keys = p.Keys(b"another-team-key-with-the-same-team-id")
    for code, down, f in _valid_frames(other_keys, rng, per_type=10):
        c.feed("wrong_team", c.decoder(down), f)
    total = {"cases": 0, "accepted": 0, "exceptions": 0}
    for name, cat in c.categories.items():
        for k in total:
            total[k] += cat[k]
    invalid_accepted = total["accepted"] - c.categories["valid"]["accepted"]
    return {
        "seed": seed,
        "categories": c.categories,
        "total": total,
        "invalid_accepted": invalid_accepted,
        "valid_rejected": c.categories["valid"]["cases"] - c.categories["valid"]["accepted"],
        "ok": invalid_accepted == 0 and total["exceptions"] == 0
              and c.categories["valid"]["accepted"] == c.categories["valid"]["cases"],
    }
