# runtimes: cpython micropython
# heapsize: 96K
"""airtime.py: time on air against Semtech's calculator, EU868 duty-cycle accountant."""
from soleguard.core import airtime as a
from soleguard.core import protocol as p

# Values from Semtech's "SX1261 LoRa Calculator", as published in micropython-lib
# micropython/lora/tests/test_time_on_air.py (same formula as the SX1276 datasheet
# for SF 7..12). (sf, bw Hz, cr 4/x, ldro) -> (preamble, payload, explicit header, crc, ToA us)
CALCULATOR = (
    (12, 500000, 5, False, (
        (8, 1, True, True, 206848), (12, 64, True, True, 649216), (8, 1, True, False, 165888),
        (8, 192, True, True, 1476608), (12, 16, False, False, 280576))),
    (8, 125000, 6, False, (
        (8, 1, True, True, 53760), (8, 2, True, False, 53760), (8, 3, True, True, 66048),
        (8, 3, True, False, 53760), (8, 5, True, False, 66048), (8, 253, True, True, 827904),
        (12, 5, False, True, 61952), (12, 10, False, True, 86528), (12, 253, False, True, 823808))),
    (12, 7810, 8, True, ((128, 253, True, True, 287532907), (1000, 253, True, True, 744858387))),
    (11, 10420, 7, True, ((25, 16, True, True, 12824568), (25, 16, False, False, 11448752))),
)


def test_time_on_air_matches_semtech_calculator():
    for sf, bw, cr, ldro, rows in CALCULATOR:
        for pre, pl, explicit, crc, want in rows:
            got = a.time_on_air_us(pl, sf, bw, cr, pre, explicit, crc)
            assert got == want, (sf, bw, pl, got, want)
            assert a.time_on_air_us(pl, sf, bw, cr, pre, explicit, crc, ldro) == want


def test_time_on_air_lorawan_reference_points():
    # LoRaWAN EU868 DR0 maximum: 51-byte payload at SF12/125 kHz = 2465.792 ms (TTN airtime tables)
    assert a.time_on_air_us(51, 12) == 2465792
    # DESIGN.md: "a 20-byte payload at SF9/125 kHz is ~200 ms"
    assert a.time_on_air_us(20, 9) == 185344


def test_symbols_x4_and_ranges():
    assert a.symbols_x4(20, 9) == 4 * 45 + 1  # 8 + 4.25 + 33 symbols
    for bad in ((20, 6), (20, 13), (256, 9), (-1, 9)):
        try:
            a.symbols_x4(*bad)
            assert False, bad
        except ValueError:
            pass


def test_frames_time_on_air_per_spreading_factor():
    # every uplink is within 56.6 ms at SF7, 185.3 ms at SF9 (DESIGN: ~200 ms), 1318.9 ms at SF12;
    # one MAC byte more would cost 164 ms per alarm at SF12 (21 bytes: 1482.8 ms)
    for code, name, spec in p.frame_types():
        if not p.is_downlink(code):
            n = p.frame_len(code)
            assert a.time_on_air_us(n, 7) <= 56576, name
            assert a.time_on_air_us(n, 9) == 185344, name
            assert a.time_on_air_us(n, 12) == 1318912, name
    assert a.time_on_air_us(21, 12) == 1482752


def test_sub_bands_and_budgets():
    dc = a.DutyCycle()
    g1 = a.sub_band(868100)
    assert a.SUB_BANDS[g1][0] == "g1" and a.sub_band(868500) == g1
    assert a.SUB_BANDS[a.sub_band(869525)][0] == "g3"
    assert a.sub_band(868650) == -1 and a.sub_band(870000) == -1
    assert dc.budget_ms(g1) == 36000  # 1 % of an hour
    assert dc.budget_ms(a.sub_band(868800)) == 3600  # 0.1 %
    assert dc.budget_ms(a.sub_band(869525)) == 360000  # 10 %


def test_duty_cycle_sliding_hour():
    dc = a.DutyCycle()
    g1 = a.sub_band(868100)
    t = 1000
    while dc.admit(g1, 186, t):
        dc.record(g1, 186, t)
        t += 1000
    assert dc.used_ms(g1, t) == 186 * (36000 // 186)  # 193 alarms of 186 ms in the hour
    assert not dc.admit(g1, 186, t)
    w = dc.wait_ms(g1, 186, t)
    assert 0 < w <= 3660000 - t + 1000
    assert not dc.admit(g1, 186, t + w - 1) and dc.admit(g1, 186, t + w)
    assert dc.used_ms(g1, t + 3660000) == 0  # everything left after 61 minutes
    assert dc.total_ms[g1] == 186 * 193


def test_duty_cycle_alarms_before_heartbeats_when_tight():
    dc = a.DutyCycle(routine_pct=50)
    g1 = a.sub_band(868100)
    dc.record(g1, 17900, 0)  # 17.9 s of the 36 s budget used
    assert dc.admit(g1, 185, 10, a.PRIO_ROUTINE) is False  # heartbeat would pass 50 %
    assert dc.admit(g1, 185, 10, a.PRIO_ALARM) is True
    assert dc.wait_ms(g1, 185, 10, a.PRIO_ALARM) == 0
    assert dc.wait_ms(g1, 185, 10, a.PRIO_ROUTINE) == 61 * 60000 - 10
    assert dc.wait_ms(g1, 40000, 10, a.PRIO_ALARM) == -1  # longer than the budget
