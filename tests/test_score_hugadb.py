"""Bounded regression on real daily life (HuGaDB): long still sitting in a car and a mixed sequence.

A few minutes of one wearer, both feet, so it runs in seconds; the full
5.4 h figures and the held-out protocol are in docs/DETECTION.md
(``soleguard score ... --loso``).
"""
from soleguard_sim.importers import hugadb
from soleguard_sim.score import score_trace, summarise

FILES = ("HuGaDB_v1_sitting_in_car_01_00.txt", "HuGaDB_v1_sitting_in_car_01_01.txt", "HuGaDB_v1_various_01_00.txt")


def test_car_and_daily_sequence_raise_nothing(datasets):
    traces = [tr for name in FILES for tr in hugadb.import_file(datasets / "hugadb_feet" / name)]
    r = summarise([score_trace(tr) for tr in traces])
    seg = r["by_segment_activity"]
    assert seg["sitting_in_car"]["hours"] > 0.05 and seg["standing"]["hours"] > 0
    assert r["false_alarms"]["count"] == 0, r["false_alarms"]["traces"]
    assert r["alarms_sent"]["count"] == 0 and r["sos"]["false"] == 0
    assert r["man_down"]["total"] == 0 and r["by_mode"]["imu_only"]["traces"] == 6
