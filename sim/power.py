"""Battery budget per board from measured awake time: ``soleguard power``.

The model adds the average current of each consumer over a worn-shift
profile and divides the board's cell capacity by it. What is measured and
what is taken from a datasheet is said per line:

- MCU awake time: the app's real work per sample, measured on the MicroPython
  unix port (``sim/app.py`` harness, ``app_ns_per_sample``: FIFO decode,
  zones, core, outbox, loopback radio), scaled by the host/MCU factor of
  ``bench.MCU_FACTORS`` (MICROPYTHON.md: this host runs MicroPython ~35x
  faster than an ESP32-S3), plus a wake-up cost per FIFO batch.
- Everything else: currents from the board file (``power``) and the
  datasheets below, times from the firmware's own constants (RX window and
  period of edges/lora_radio.py, heartbeat period of edges/store.py, frame
  sizes and time on air of core/airtime.py).

Two operating modes are reported:
  ``as_built``    the firmware today: the MCU never sleeps while worn (asyncio
                  idles awake), zones powered all the time.
  ``batch_sleep`` projected: light sleep between FIFO watermark batches (wake
                  on INT1 and the SX1262's DIO1), zone dividers powered only
                  while sampled. Not built yet; the figures say what it would
                  give with today's measured awake time.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from soleguard.core import protocol as P
from soleguard.core.airtime import time_on_air_us
from soleguard.edges.lora_radio import RX_PERIOD_MS, RX_WINDOW_MS
from soleguard.edges.store import EDGE_FIELDS

from .app import APP_EXTRAS, HEAP, _stream, load_board, run_app, write_feed
from .bench import MCU_FACTORS, synthetic_walk

# Datasheet figures (typical). mA unless noted.
IMU_MA = 0.55           # LSM6DSO accel + gyro high-performance at 104 Hz: ST DS12140 table 4 (0.55 mA)
ZONE_MA = 0.33          # one FSR divider 10 kOhm at 3.3 V fully loaded (Ohm's law, upper bound)
ZONE_SAMPLE_US = 100    # divider powered per sample when gated: settle + one ADC read (ESP32-S3 ADC ~ tens of us)
SX1262_RX_MA = 4.6      # SX1262 RX, DC-DC, 125 kHz: Semtech DS.SX1261-2 table 3-5 (4.6 mA)
SX1262_SLEEP_MA = 0.0006  # warm-start sleep 0.6 uA: DS.SX1261-2 table 3-5
MOTOR_MA = 70           # 10 mm ERM coin motor at 3 V rated (e.g. Precision Microdrives 310-113: 70 mA), assumption
WAKE_US = 1000          # ESP32-S3 light-sleep wake-up + return to Python per batch: assumption, to be measured

# Worn-shift profile (per 24 h of wear).
ZONES_LOADED = 0.6      # share of worn time a zone carries load (standing, walking; less when sitting)
ALARMS_PER_DAY = 1      # pre-alarm 15 s of 400/600 ms vibration, then the alarm and its resends
EVACUATIONS_PER_DAY = 1  # long vibration (2000/500 ms) until the all-clear, assumed 5 minutes
EVAC_VIBRATE_S = 300
RESENDS_PER_ALARM = 3


@dataclass
class Budget:
    board: str
    mode: str
    battery_mah: int
    lines: list = field(default_factory=list)    # (consumer, mA, source)
    awake_pct: float = 0.0

    @property
    def average_ma(self) -> float:
        return sum(ma for _, ma, _ in self.lines)

    @property
    def hours(self) -> float:
        return self.battery_mah / self.average_ma

    def as_dict(self) -> dict:
        return {"board": self.board, "mode": self.mode, "battery_mah": self.battery_mah,
                "average_ma": round(self.average_ma, 3), "hours": round(self.hours, 1),
                "mcu_awake_pct": round(self.awake_pct, 2),
                "lines": [{"consumer": c, "ma": round(ma, 4), "source": s} for c, ma, s in self.lines]}


@dataclass
class SleepRun:
    """What ``tests/fakes/sleepapp.py`` measured: the app on the unix port in simulated time."""
    mode: int            # 0 awake as without sleep, 1 light sleep between FIFO batches
    events: list         # soleguard_sim.replay.Event, every event the app emitted
    samples: int = 0
    wakes: int = 0
    work_us: int = 0     # host us of the work done at the wakes (MODE 0: of all the work)
    awake_ms: int = 0    # simulated ms the MCU stayed awake between wakes (a pattern played, radio busy)
    motor_ms: int = 0
    batch_ms: int = 0

    @property
    def core_events(self) -> list:
        return [e for e in self.events if e.type in (1, 2, 3, 4, 5) and e.cause != 4]


def run_sleep_app(trace, seconds: int = 0, mode: int = 1, heapsize: str = HEAP, timeout: int = 900) -> SleepRun:
    """Run the app over ``trace`` with (mode 1) or without (0) light sleep; RuntimeError on failure."""
    import tempfile
    from pathlib import Path

    from .replay import Event

    with tempfile.TemporaryDirectory(prefix="sg-sleep-") as tmp:
        write_feed(trace, Path(tmp) / "feed.bin")
        rc, out, err = _stream(["-m", "sleepapp", "feed.bin", str(seconds), str(mode)], heapsize, Path(tmp),
                               timeout, lambda samples: None)
    if rc != 0:
        raise RuntimeError("sleep app on micropython failed for %s: %s" % (trace.name, (err or out)[-800:]))
    res = SleepRun(mode, [])
    for line in out.splitlines():
        parts = line.split(",")
        if parts[0] == "E":
            res.events.append(Event(*(int(x) for x in parts[1:5])))
        elif parts[0] == "S":
            for kv in parts[1:]:
                k, v = kv.split("=")
                setattr(res, k, int(v))
    return res


def measure_app_us_per_sample(seconds: int = 60) -> float:
    """The app's work per sample on the unix port (us), from the sim-board harness over a walk."""
    return run_app(synthetic_walk(), seconds=seconds).figures["app_ns_per_sample"] / 1000


def budget(board_name: str, mode: str, host_us_per_sample: float) -> Budget:
    """The average-current budget of ``board_name`` ('xiao_s3', 't3s3') in ``mode`` ('as_built', 'batch_sleep')."""
    if mode not in ("as_built", "batch_sleep"):
        raise ValueError("mode must be as_built or batch_sleep, got %r" % mode)
    b = load_board(board_name)
    pw, imu, lora = b["power"], b["imu"], b["radios"]["lora"]
    odr, zones = imu["odr_hz"], len(b["zones"])
    factor = MCU_FACTORS[b["mcu"]]
    out = Budget(board_name, mode, pw["battery_mah"])
    day = 86400.0
    work = host_us_per_sample * factor * odr / 1e6          # fraction of time the MCU computes
    if mode == "as_built":
        awake = 1.0
        src = "never sleeps while worn (asyncio idles awake); board file active_ma"
    else:
        awake = min(1.0, work + (odr / imu["watermark"]) * WAKE_US / 1e6)
        src = ("measured %.1f us/sample on the unix port x %d (host/MCU) at %d Hz = %.1f %%, + %.1f wakes/s x %d us"
               % (host_us_per_sample, factor, odr, work * 100, odr / imu["watermark"], WAKE_US))
    out.awake_pct = awake * 100
    out.lines.append(("MCU awake", pw["active_ma"] * awake, src))
    out.lines.append(("MCU light sleep", pw["sleep_ua"] / 1000 * (1 - awake), "board file sleep_ua"))
    out.lines.append(("IMU (acc + gyro)", IMU_MA, "LSM6DSO DS12140 table 4, high-performance"))
    zone_duty = 1.0 if mode == "as_built" else min(1.0, ZONE_SAMPLE_US * odr / 1e6)
    out.lines.append(("pressure zones", zones * ZONE_MA * ZONES_LOADED * zone_duty,
                      "%d dividers x %.2f mA x %.0f %% loaded x %.1f %% powered" % (zones, ZONE_MA, ZONES_LOADED * 100,
                                                                                  zone_duty * 100)))
    out.lines.append(("LoRa RX windows", SX1262_RX_MA * RX_WINDOW_MS / RX_PERIOD_MS,
                      "%d ms every %d ms (edges/lora_radio.py) x SX1262 RX" % (RX_WINDOW_MS, RX_PERIOD_MS)))
    out.lines.append(("LoRa sleep", SX1262_SLEEP_MA, "SX1262 warm sleep"))
    hb_s = EDGE_FIELDS["HEARTBEAT_S"][0]
    toa_s = time_on_air_us(P.HEADER_LEN + 2 + P.MAC_LEN, lora["sf"], lora["bw_khz"] * 1000) / 1e6
    tx_per_day = day / hb_s + ALARMS_PER_DAY * (1 + RESENDS_PER_ALARM) + EVACUATIONS_PER_DAY * 2
    out.lines.append(("LoRa TX", pw["lora_tx_ma"] * tx_per_day * toa_s / day,
                      "%.0f frames/day x %.0f ms at SF%d (heartbeat every %d s, alarm + %d resends, evac ack)"
                      % (tx_per_day, toa_s * 1000, lora["sf"], hb_s, RESENDS_PER_ALARM)))
    motor_s = ALARMS_PER_DAY * 15 * 0.4 + EVACUATIONS_PER_DAY * EVAC_VIBRATE_S * 0.8
    out.lines.append(("motor", MOTOR_MA * motor_s / day,
                      "%.0f s/day on (pre-alarm 15 s at 40 %%, evacuation %d s at 80 %%)" % (motor_s, EVAC_VIBRATE_S)))
    return out
