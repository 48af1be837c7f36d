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

The light-sleep mode is measured: ``sim/harness/sleepapp.py`` runs the app
with light sleep between FIFO batches in simulated time and reports the host
time of the work done at each wake (``run_sleep_app``, ``measure_sleep``).

Two operating modes are reported:
  ``as_built``    the firmware today: the MCU never sleeps while worn (asyncio
                  idles awake), zones powered all the time.
  ``batch_sleep`` light sleep between FIFO watermark batches (edges/sleep.py:
                  wake on INT1 / DIO1 where the board's pins are RTC GPIOs,
                  else on the timer), zones read once per wake (dividers
                  gated when the board has a ``zone_power`` pin), awake by
                  rule while a pattern plays, an alarm is advertised over
                  BLE or an uplink waits for its RX1 window.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from soleguard.core import protocol as P
from soleguard.core.airtime import time_on_air_us
from soleguard.edges.gateway import RX1_DELAY_MS
from soleguard.edges.lora_radio import RX_PERIOD_MS, RX_WINDOW_MS
from soleguard.edges.store import EDGE_FIELDS

from .app import HEAP, _stream, load_board, run_app, write_feed
from .bench import MCU_FACTORS, synthetic_walk

# Datasheet figures (typical). mA unless noted.
IMU_MA = 0.55           # LSM6DSO accel + gyro high-performance at 104 Hz: ST DS12140 table 4 (0.55 mA)
ZONE_MA = 0.33          # one FSR divider 10 kOhm at 3.3 V fully loaded (Ohm's law, upper bound)
ZONE_SAMPLE_US = 100    # divider powered per sample when gated: settle + one ADC read (ESP32-S3 ADC ~ tens of us)
SX1262_RX_MA = 4.6      # SX1262 RX, DC-DC, 125 kHz: Semtech DS.SX1261-2 table 3-5 (4.6 mA)
SX1262_SLEEP_MA = 0.0006  # warm-start sleep 0.6 uA: DS.SX1261-2 table 3-5
MOTOR_MA = 70           # 10 mm ERM coin motor at 3 V rated (e.g. Precision Microdrives 310-113: 70 mA), assumption
WAKE_US = 1000          # ESP32-S3 light-sleep wake-up + return to Python per batch: assumption, to be measured
RX1_S = (RX1_DELAY_MS + RX_WINDOW_MS) / 1000  # awake per uplink after TxDone: LoRaRadio.busy until RX1 ends
BLE_ADV_MA = 1.0        # ESP32-S3 BLE advertising at 100 ms, average over the interval: assumption (datasheet
                        # gives ~100 mA TX peaks of ~1 ms per event on three channels)
ALARM_IN_FLIGHT_S = 60  # an alarm resent until the gateway's receipt (1 + RESENDS_PER_ALARM cycles): BLE meanwhile

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
    """What ``sim/harness/sleepapp.py`` measured: the app on the unix port in simulated time."""
    mode: int            # 0 awake as without sleep, 1 light sleep between FIFO batches
    events: list         # soleguard_sim.replay.Event, every event the app emitted
    samples: int = 0
    wakes: int = 0
    work_us: int = 0     # host us of the work done at the wakes (MODE 0: of all the work)
    awake_ms: int = 0    # simulated ms the MCU stayed awake between wakes (a pattern played, radio busy)
    motor_ms: int = 0
    batch_ms: int = 0
    bus_us: int = 0      # host us of work_us spent in the I2C model (on a device: C code + bus time)
    bus_bytes: int = 0   # bytes over the IMU's I2C bus (FIFO status + burst reads)
    bus_transfers: int = 0
    wake_us: list = field(default_factory=list)  # MODE 1: (work_us, bus_us) of each wake, in order
    repeats: int = 1     # measure_sleep: work_us - bus_us is the sum of each wake's least of this many runs

    @property
    def core_events(self) -> list:
        return [e for e in self.events if e.type in (1, 2, 3, 4, 5) and e.cause != 4]


def run_sleep_app(trace, seconds: int = 0, mode: int = 1, heapsize: str = HEAP, timeout: int = 900,
                  watermark: int = 0) -> SleepRun:
    """Run the app over ``trace`` with (mode 1) or without (0) light sleep; RuntimeError on failure.

    ``watermark`` > 0: FIFO frames per batch (a device board's) instead of the sim board's."""
    import tempfile
    from pathlib import Path

    from .replay import Event

    with tempfile.TemporaryDirectory(prefix="sg-sleep-") as tmp:
        write_feed(trace, Path(tmp) / "feed.bin")
        rc, out, err = _stream(["-m", "sleepapp", "feed.bin", str(seconds), str(mode), str(watermark)], heapsize, Path(tmp),
                               timeout, lambda samples: None)
    if rc != 0:
        raise RuntimeError("sleep app on micropython failed for %s: %s" % (trace.name, (err or out)[-800:]))
    res = SleepRun(mode, [])
    for line in out.splitlines():
        parts = line.split(",")
        if parts[0] == "E":
            res.events.append(Event(*(int(x) for x in parts[1:5])))
        elif parts[0] == "W":
            res.wake_us.append((int(parts[1]), int(parts[2])))
        elif parts[0] == "S":
            for kv in parts[1:]:
                k, v = kv.split("=")
                setattr(res, k, int(v))
    return res


def measure_app_us_per_sample(seconds: int = 60) -> float:
    """The app's work per sample on the unix port (us), from the sim-board harness over a walk."""
    return run_app(synthetic_walk(), seconds=seconds).figures["app_ns_per_sample"] / 1000


def measure_sleep(seconds: int = 60, repeat: int = 5, watermark: int = 0) -> SleepRun:
    """The app with light sleep between batches over ``seconds`` of a walk (the recording looped),
    ``watermark`` frames a batch (0: the sim board's).

    The run is deterministic in simulated time, so wake k does the same work in every repeat: the
    work is the sum over the wakes of each wake's least host time (work less its I2C model share)
    of ``repeat`` runs. Other jobs on a shared host only ever add time, and a load burst hits
    different wakes in different runs, so the per-wake minimum is far less load-sensitive than
    the least total. Returns the first run with ``work_us - bus_us`` that sum and ``repeats`` set;
    raises RuntimeError if the runs' wakes differ."""
    tr = synthetic_walk()
    runs = [run_sleep_app(tr, seconds=seconds, mode=1, watermark=watermark) for _ in range(repeat)]
    first = runs[0]
    if any(len(r.wake_us) != len(first.wake_us) or r.wakes != first.wakes for r in runs):
        raise RuntimeError("measure_sleep: the repeats woke a different number of times")
    least = sum(min(r.wake_us[k][0] - r.wake_us[k][1] for r in runs) for k in range(len(first.wake_us)))
    first.work_us = least + first.bus_us  # work_us - bus_us: the per-wake least work
    first.repeats = repeat
    return first


def budget(board_name: str, mode: str, host_us_per_sample: float | None = None,
           run: SleepRun | None = None) -> Budget:
    """The average-current budget of ``board_name`` ('xiao_s3', 't3s3') in ``mode`` ('as_built', 'batch_sleep').

    ``batch_sleep`` with ``run`` (``measure_sleep()``): the MCU's awake time is the work the app did
    at its wakes in simulated time, scaled by the host/MCU factor and the board's rate; without
    ``run``, projected from ``host_us_per_sample`` (the app's work per sample) and one wake per batch.
    """
    if mode not in ("as_built", "batch_sleep"):
        raise ValueError("mode must be as_built or batch_sleep, got %r" % mode)
    b = load_board(board_name)
    pw, imu, lora = b["power"], b["imu"], b["radios"]["lora"]
    odr, zones = imu["odr_hz"], len(b["zones"])
    factor = MCU_FACTORS[b["mcu"]]
    out = Budget(board_name, mode, pw["battery_mah"])
    day = 86400.0
    hb_s = EDGE_FIELDS["HEARTBEAT_S"][0]
    toa_s = time_on_air_us(P.HEADER_LEN + 2 + P.MAC_LEN, lora["sf"], lora["bw_khz"] * 1000) / 1e6
    tx_per_day = day / hb_s + ALARMS_PER_DAY * (1 + RESENDS_PER_ALARM) + EVACUATIONS_PER_DAY * 2
    motor_s = ALARMS_PER_DAY * 15 * 0.4 + EVACUATIONS_PER_DAY * EVAC_VIBRATE_S * 0.8
    pattern_s = ALARMS_PER_DAY * 15 + EVACUATIONS_PER_DAY * EVAC_VIBRATE_S
    if mode == "as_built":
        awake = 1.0
        parts = [("MCU awake", pw["active_ma"], "never sleeps while worn (asyncio idles awake); board file active_ma")]
    else:
        rate = odr / 100.0  # the harness runs the sim board at 100 Hz; the board samples at odr
        if run is not None:
            sim_s = run.samples / 100.0
            work = (run.work_us - run.bus_us) / sim_s * rate * factor / 1e6
            wakes_s = run.wakes / sim_s * rate
            src = ("measured: %d us of work (%d us in the I2C model left out; each wake the least of %d runs) "
                   "at %d wakes in %.0f simulated s on the unix port (sleepapp) x %d (host/MCU) x %d/100 Hz"
                   % (run.work_us - run.bus_us, run.bus_us, run.repeats, run.wakes, sim_s, factor, odr))
            between = run.awake_ms / 1000.0 / sim_s
            # the FIFO reads on the real bus: 9 clocks a byte, + address and register bytes per transfer
            bus_bits = 9 * (run.bus_bytes + 3 * run.bus_transfers) / sim_s * rate
            bus = bus_bits / b["i2c"]["freq"]
            bus_src = ("%.0f bytes/s over I2C at %d kHz (9 clocks a byte + 3 bytes a transfer), counted in sleepapp"
                       % ((run.bus_bytes + 3 * run.bus_transfers) / sim_s * rate, b["i2c"]["freq"] // 1000))
        else:
            work = host_us_per_sample * factor * odr / 1e6
            wakes_s = odr / imu["watermark"]
            src = ("projected: %.1f us/sample on the unix port x %d (host/MCU) at %d Hz"
                   % (host_us_per_sample, factor, odr))
            between = 0.0
            bus, bus_src = 0.0, "not counted in the projection"
        wake = wakes_s * WAKE_US / 1e6
        # awake by rule (edges/sleep.py): patterns playing, BLE advertising an alarm in flight, uplink + RX1
        rule_s = pattern_s + ALARMS_PER_DAY * ALARM_IN_FLIGHT_S + tx_per_day * (toa_s + RX1_S)
        rule = rule_s / day + between
        awake = min(1.0, work + bus + wake + rule)
        parts = [
            ("MCU awake: work", pw["active_ma"] * work, src),
            ("MCU awake: IMU bus", pw["active_ma"] * bus, bus_src),
            ("MCU awake: wake-ups", pw["active_ma"] * wake,
             "%.1f wakes/s x %d us (light-sleep exit and entry, ESP-IDF: assumption, to be measured)"
             % (wakes_s, WAKE_US)),
            ("MCU awake: by rule", pw["active_ma"] * rule,
             "%.0f s/day: patterns %.0f s, BLE alarm advert %d s x %d, %.0f uplinks x (%.0f ms on air + RX1 %d ms)"
             % (rule_s, pattern_s, ALARM_IN_FLIGHT_S, ALARMS_PER_DAY, tx_per_day, toa_s * 1000, RX1_S * 1000)),
        ]
    out.awake_pct = awake * 100
    out.lines.extend(parts)
    out.lines.append(("MCU light sleep", pw["sleep_ua"] / 1000 * (1 - awake), "board file sleep_ua"))
    out.lines.append(("IMU (acc + gyro)", IMU_MA, "LSM6DSO DS12140 table 4, high-performance"))
    gated = mode == "batch_sleep" and b.get("zone_power") is not None
    if mode == "as_built":
        zone_duty, why = 1.0, "powered all the time"
    elif gated:
        zone_duty = min(1.0, ZONE_SAMPLE_US * wakes_s / 1e6)
        why = "powered %.3f %% (zone_power pin: %d us per wake)" % (zone_duty * 100, ZONE_SAMPLE_US)
    else:
        zone_duty, why = 1.0, "powered all the time (no zone_power pin in the board file)"
    out.lines.append(("pressure zones", zones * ZONE_MA * ZONES_LOADED * zone_duty,
                      "%d dividers x %.2f mA x %.0f %% loaded, %s" % (zones, ZONE_MA, ZONES_LOADED * 100, why)))
    out.lines.append(("LoRa RX windows", SX1262_RX_MA * RX_WINDOW_MS / RX_PERIOD_MS,
                      "%d ms every %d ms (edges/lora_radio.py) x SX1262 RX" % (RX_WINDOW_MS, RX_PERIOD_MS)))
    out.lines.append(("LoRa sleep", SX1262_SLEEP_MA, "SX1262 warm sleep"))
    out.lines.append(("LoRa TX", pw["lora_tx_ma"] * tx_per_day * toa_s / day,
                      "%.0f frames/day x %.0f ms at SF%d (heartbeat every %d s, alarm + %d resends, evac ack)"
                      % (tx_per_day, toa_s * 1000, lora["sf"], hb_s, RESENDS_PER_ALARM)))
    out.lines.append(("motor", MOTOR_MA * motor_s / day,
                      "%.0f s/day on (pre-alarm 15 s at 40 %%, evacuation %d s at 80 %%)" % (motor_s, EVAC_VIBRATE_S)))
    out.lines.append(("BLE advertising", BLE_ADV_MA * ALARMS_PER_DAY * ALARM_IN_FLIGHT_S / day,
                      "%d s/day advertising an alarm in flight x %.1f mA (100 ms interval, ESP32-S3 radio: assumption)"
                      % (ALARMS_PER_DAY * ALARM_IN_FLIGHT_S, BLE_ADV_MA)))
    return out


def low_battery_hours(b: Budget) -> float:
    """Hours from the battery technical alarm (edges/battery.py LOW_MV) to empty at ``b``'s current:
    the charge left at LOW_MV on the same LiPo curve, over the same average current."""
    from soleguard.edges.battery import LOW_MV, percent

    return b.battery_mah * percent(LOW_MV) / 100.0 / b.average_ma
