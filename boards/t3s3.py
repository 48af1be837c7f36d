"""LILYGO T3-S3 (ESP32-S3 + SX1262, 868 MHz) with an LSM6DSOX breakout, 6 FSR zones and an ERM motor.

Firmware: the official MicroPython ESP32_GENERIC_S3 build (SPIRAM variant; the
T3-S3 has an ESP32-S3 with 2 MB PSRAM, 4 MB flash). Fixed wiring from LILYGO's
T3-S3 pin map (LoRa SPI, OLED I2C, battery divider on IO1, 2:1); the IMU, FSRs
and motor are our development rig's wiring onto free pins. FSR zones use
ADC1 (IO2, IO4, IO9, IO10) and ADC2 (IO15, IO16): ADC2 is usable because Wi-Fi
stays off. Calibration values are placeholders until the insole is calibrated
(load N = max(0, raw - offset) * mul >> shift).
Radio parameters: EU868 g1 sub-band, SF9/125 kHz (DESIGN: ~200 ms for 20 B),
14 dBm ERP limit.
"""
BOARD = {
    "name": "t3s3",
    "mcu": "esp32s3",
    "arch": "xtensawin",
    "i2c": {"id": 0, "scl": 17, "sda": 18, "freq": 400000},
    "imu": {"model": "lsm6dsox", "address": 0x6A, "int1": 21, "odr_hz": 104, "watermark": 16,
            "axes": ((0, 1), (1, 1), (2, 1))},
    "zones": (
        {"name": "heel_medial", "adc": 2, "x_mm": 25, "y_mm": 12, "cal": (1500, 5, 6)},
        {"name": "heel_lateral", "adc": 4, "x_mm": 25, "y_mm": -12, "cal": (1500, 5, 6)},
        {"name": "midfoot_lateral", "adc": 9, "x_mm": 110, "y_mm": -25, "cal": (1500, 5, 6)},
        {"name": "meta_medial", "adc": 10, "x_mm": 180, "y_mm": 30, "cal": (1500, 5, 6)},
        {"name": "meta_lateral", "adc": 15, "x_mm": 180, "y_mm": -30, "cal": (1500, 5, 6)},
        {"name": "hallux", "adc": 16, "x_mm": 235, "y_mm": 10, "cal": (1500, 5, 6)},
    ),
    "motor": {"pin": 47, "pwm_hz": 1000},
    "battery": {"adc": 1, "num": 2, "den": 1},
    "storage": {"partition": "outbox", "blocks": 4, "block_size": 4096},
    "wdt_ms": 8000,
    "radios": {
        "lora": {"chip": "sx1262", "spi": 1, "sck": 5, "mosi": 6, "miso": 3, "cs": 7, "busy": 34,
                 "dio1": 33, "reset": 8, "tcxo_mv": 1800, "sf": 9, "bw_khz": 125, "tx_dbm": 14},
        "ble": {"name": "soleguard"},
    },
    # Current draw for the battery budget (docs/FIRMWARE.md gives the sources).
    # MicroPython heap on this board's firmware (v1.28.0 ESP32_GENERIC_S3, SPIRAM variant): 64 KB at boot in
    # internal RAM (ports/esp32/mpconfigport.h MICROPY_GC_INITIAL_HEAP_SIZE), grown on demand from the
    # ESP-IDF heap, which includes the PSRAM (MICROPY_GC_SPLIT_HEAP_AUTO, gccollect.c gc_get_max_new_split).
    "heap": {"initial_kb": 64, "max_kb": 2048},
    "power": {"battery_mah": 1000, "active_ma": 38, "sleep_ua": 250, "lora_tx_ma": 118},
}
