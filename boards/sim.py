"""The ``sim`` board: the MicroPython unix port with register-level fakes (tests/fakes).

Plays a recording through a fake LSM6DSO (FIFO bytes), fake ADCs and a fake
NOR flash, so the same drivers and app code run as on a device. Recordings
are resampled to 100 Hz by the importers, so the sample clock here is 100 Hz
(the fake chip is programmed for 104 Hz like a real one; only the
timestamps use ``odr_hz``). Zone positions are replaced by the recording's
own (``zones`` below is the default 8-zone layout of tests/synth.py).
Calibration is exact: the fake ADC reads load N << 4, decoded by (0, 1, 4).
Radios as on the T3-S3 (SX1262 LoRa + BLE): on the unix port they are the
fakes of micropython-lib ``lora`` (tests/fakes/lora.py, a shared fake air)
and ``aioble``; the pins are placeholders the fakes ignore.
"""
BOARD = {
    "name": "sim",
    "mcu": "unix",
    "arch": "x64",
    "i2c": {"id": 0, "scl": 0, "sda": 0, "freq": 400000},
    "imu": {"model": "lsm6dso", "address": 0x6A, "int1": 99, "odr_hz": 100, "watermark": 16,
            "axes": ((0, 1), (1, 1), (2, 1))},
    "zones": tuple(
        {"name": "z%d" % i, "adc": 10 + i, "x_mm": x, "y_mm": y, "cal": (0, 1, 4)}
        for i, (x, y) in enumerate(((25, -12), (25, 12), (110, -25), (110, 15),
                                    (180, -30), (185, 0), (180, 30), (235, 10)))
    ),
    "motor": {"pin": 30, "pwm_hz": 1000},
    "battery": {"adc": 31, "num": 2, "den": 1},
    # The fake flash lives in the heap here (on a device it does not): 4 x 1 KB.
    "storage": {"partition": "outbox", "blocks": 4, "block_size": 1024},
    "wdt_ms": 8000,
    "radios": {
        "lora": {"chip": "sx1262", "spi": 1, "sck": 40, "mosi": 41, "miso": 42, "cs": 43, "busy": 44,
                 "dio1": 45, "reset": 46, "sf": 9, "bw_khz": 125, "tx_dbm": 14},
        "ble": {"name": "soleguard"},
    },
    "power": {"battery_mah": 1000, "active_ma": 38, "sleep_ua": 250, "lora_tx_ma": 118},
    # Test heaps on the 64-bit unix port (objects about twice their 32-bit size), sized so the app keeps
    # >= 25 % free at its measured peak of live heap: the app with the loopback radio (sim/app.py,
    # peak ~125 KB), and with the board's LoRa + BLE link, the gateway role and a second fake flash in the
    # same process (tests/fakes/linkapp.py, peak ~197 KB). Measured figures: soleguard bench --json.
    "heap": {"test_kb": 192, "link_test_kb": 288},
}
