"""The ``sim`` board: the MicroPython unix port over the chip and port models (sim/models).

Plays a recording through the LSM6DSO register model (FIFO words) under the
real micropython-lib ``lsm6dsox`` driver, the ESP32-S3 ``machine`` model's
ADCs and the ``esp32`` model's ``outbox`` partition, so the same drivers and
app code run as on a device (sim/harness/simapp.py). Recordings are resampled
to 100 Hz by the importers, so the sample clock here is 100 Hz (the chip model
is programmed for 104 Hz like a real one and ticked once per recorded sample;
only the timestamps use ``odr_hz``). Zone positions are replaced by the
recording's own (``zones`` below is the default 8-zone layout of tests/synth.py).
Calibration is exact: the ADC inputs are set so the 12-bit count is the load
in N, decoded by (0, 1, 4) from ``read_u16``. The pins are ESP32-S3 GPIOs the
port model accepts (ADC1 on GPIO1..9); they stand for no real wiring. Radios
as on the T3-S3 (SX1262 LoRa + BLE): the link test (tests/linkapp.py)
passes its own modem and BLE modules.
"""
BOARD = {
    "name": "sim",
    "mcu": "unix",
    "arch": "x64",
    "i2c": {"id": 0, "scl": 12, "sda": 11, "freq": 400000},
    "imu": {"model": "lsm6dso", "address": 0x6A, "int1": 13, "odr_hz": 100, "watermark": 16,
            "axes": ((0, 1), (1, 1), (2, 1))},
    "zones": tuple(
        {"name": "z%d" % i, "adc": 1 + i, "x_mm": x, "y_mm": y, "cal": (0, 1, 4)}
        for i, (x, y) in enumerate(((25, -12), (25, 12), (110, -25), (110, 15),
                                    (180, -30), (185, 0), (180, 30), (235, 10)))
    ),
    "motor": {"pin": 21, "pwm_hz": 1000},
    "battery": {"adc": 9, "num": 2, "den": 1},
    # The harness's outbox is the esp32 model's 16 KB partition (boards/partitions.csv), in the heap here
    # (on a device it is flash); blocks x block_size is the RAM journal used when no partition is found.
    "storage": {"partition": "outbox", "blocks": 4, "block_size": 1024},
    "wdt_ms": 8000,
    "radios": {
        "lora": {"chip": "sx1262", "spi": 1, "sck": 40, "mosi": 41, "miso": 42, "cs": 43, "busy": 44,
                 "dio1": 45, "reset": 46, "sf": 9, "bw_khz": 125, "tx_dbm": 14},
        "ble": {"name": "soleguard"},
    },
    "power": {"battery_mah": 1000, "active_ma": 38, "sleep_ua": 250, "lora_tx_ma": 118},
    # Test heaps on the 64-bit unix port (objects about twice their 32-bit size), sized so the app keeps
    # >= 25 % free at its measured peak of live heap: the app with the loopback radio over the chip and
    # port models (sim/app.py, peak ~206 KB: the models' code, the 16 KB partition; ~125 KB on the former
    # register-level fakes at 192K), and with the board's LoRa + BLE link and the gateway role in the same process
    # (tests/linkapp.py: the real lora and aioble over two SX1262 models and the bluetooth model, peak ~469 KB with the evacuation answer slots, 431 KB before;
    # ~303 KB at 448K on the former radio fakes). Measured figures: soleguard bench --json.
    "heap": {"test_kb": 320, "link_test_kb": 640},
}
