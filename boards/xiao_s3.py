"""Seeed XIAO ESP32S3 + Wio-SX1262 (the wearable form): LSM6DSO, 3 FSR zones, ERM motor.

Firmware: the official MicroPython ESP32_GENERIC_S3 build (SPIRAM_OCT variant:
8 MB flash, 8 MB PSRAM). The Wio-SX1262 board uses the XIAO's SPI pads
(D8 GPIO7 SCK, D9 GPIO8 MISO, D10 GPIO9 MOSI) and B2B-connector pins for NSS,
RESET, BUSY, DIO1 (GPIO41, 42, 40, 39 per Seeed's kit documentation: check
against the kit schematic before flashing). What is left of the XIAO's ADC1
pads after I2C (D4 GPIO5 SDA, D5 GPIO6 SCL) and SPI is A0..A3 (GPIO1..4): three
FSR zones (heel, medial and lateral metatarsal heads) and the battery through
an external 2:1 divider on A3 (the XIAO has no battery-sense divider). IMU
INT1 on D6 (GPIO43), motor driver on D7 (GPIO44).
Calibration values are placeholders until the insole is calibrated.
"""
BOARD = {
    "name": "xiao_s3",
    "mcu": "esp32s3",
    "arch": "xtensawin",
    "i2c": {"id": 0, "scl": 6, "sda": 5, "freq": 400000},
    "imu": {"model": "lsm6dso", "address": 0x6A, "int1": 43, "odr_hz": 104, "watermark": 16,
            "axes": ((1, -1), (0, 1), (2, 1))},
    "zones": (
        {"name": "heel", "adc": 1, "x_mm": 25, "y_mm": 0, "cal": (1500, 5, 6)},
        {"name": "meta_medial", "adc": 2, "x_mm": 180, "y_mm": 30, "cal": (1500, 5, 6)},
        {"name": "meta_lateral", "adc": 3, "x_mm": 180, "y_mm": -30, "cal": (1500, 5, 6)},
    ),
    "motor": {"pin": 44, "pwm_hz": 1000},
    "battery": {"adc": 4, "num": 2, "den": 1},
    "storage": {"partition": "outbox", "blocks": 4, "block_size": 4096},
    "wdt_ms": 8000,
    "radios": {
        "lora": {"chip": "sx1262", "spi": 1, "sck": 7, "mosi": 9, "miso": 8, "cs": 41, "busy": 40,
                 "dio1": 39, "reset": 42, "rxen": 38, "tcxo_mv": 1800, "sf": 9, "bw_khz": 125, "tx_dbm": 14},
        "ble": {"name": "soleguard"},
    },
    # MicroPython heap on this board's firmware (v1.28.0 ESP32_GENERIC_S3, SPIRAM_OCT variant): 64 KB at boot in
    # internal RAM (ports/esp32/mpconfigport.h MICROPY_GC_INITIAL_HEAP_SIZE), grown on demand from the
    # ESP-IDF heap, which includes the PSRAM (MICROPY_GC_SPLIT_HEAP_AUTO, gccollect.c gc_get_max_new_split).
    "heap": {"initial_kb": 64, "max_kb": 8192},
    "power": {"battery_mah": 400, "active_ma": 38, "sleep_ua": 250, "lora_tx_ma": 118},
}
