"""LILYGO T3-S3 (ESP32-S3 + SX1262, 868 MHz) with an LSM6DSOX breakout, 5 FSR zones and an ERM motor.

Firmware: the official MicroPython ESP32_GENERIC_S3 build (SPIRAM variant; the
T3-S3 has an ESP32-S3FH4R2: 4 MB quad flash, 2 MB quad PSRAM in the package, so
GPIO26..32 are flash/PSRAM and GPIO33..37 are free for the board). Calibration
values are placeholders until the insole is calibrated (load N = max(0, raw -
offset) * mul >> shift). Radio parameters: EU868 g1 sub-band, SF9/125 kHz
(DESIGN: ~200 ms for 20 B), 14 dBm ERP limit.

Where each pin comes from (LILYGO's T3-S3 SX1262 pin map, LilyGo-LoRa-Series
docs/en/t3_s3_sx1262/t3_s3_sx1262_hw.md; the ESP32-S3 datasheet for strapping
pins GPIO0/3/45/46, USB GPIO19/20, UART0 GPIO43/44; MicroPython v1.28.0
ESP32_GENERIC_S3 enables the UART REPL on UART0, mpconfigboard.h
MICROPY_HW_ENABLE_UART_REPL, uart.h MICROPY_HW_UART_REPL 0):
  fixed by the board: LoRa SCK 5, MISO 3 (a strapping pin, LILYGO's choice), MOSI 6,
    CS 7, RESET 8, DIO1 33, BUSY 34; I2C SDA 18 / SCL 17 (shared with the OLED,
    0x3C; the LSM6DSOX is at 0x6A); battery divider on IO1 (2:1).
  not ours to use: SD card CS 13, MOSI 11, MISO 2, SCK 14; IO10 and IO21 are tied to
    the SX1262's DIO3/DIO4 through two resistors by default (DIO3 drives the TCXO
    supply), so the former INT1 on IO21 and zone on IO10 fought the radio, and the
    zone on IO2 (SD MISO) was biased by the SD line; boot button IO0; LED IO37.
  our development rig's wiring, on pins the map leaves free: INT1 IO48, motor IO47,
    FSR zones on ADC1 IO4, IO9 and ADC2 IO12, IO15, IO16 (ADC2 is usable because
    Wi-Fi stays off). Five zones: no sixth ADC pin is free of the SD card and the radio.
Still to check on the schematic (T3_S3_V1.2.pdf): whether IO9 reaches the radio
module's pads (the SX1276 variant uses it as DIO0), whether the SD slot pulls IO4 /
IO12 up (4-bit SD DAT1/DAT2 on a related LILYGO T3-S3 map), and that IO47/IO48 are
on the headers.
"""
BOARD = {
    "name": "t3s3",
    "mcu": "esp32s3",
    "arch": "xtensawin",
    "i2c": {"id": 0, "scl": 17, "sda": 18, "freq": 400000},
    # watermark 48 frames = 462 ms at 104 Hz, one wake per batch: a fall decided at the end of its
    # confirmation window (FALL_CONFIRM_MS 2.5 s) still pre-alarms <= 3 s after the impact, an SOS
    # <= 1.5 s after the third strike (tests/test_sleep_parity.py); 16 frames woke the MCU 6.5 times a second
    "imu": {"model": "lsm6dsox", "address": 0x6A, "int1": 48, "odr_hz": 104, "watermark": 48,
            "axes": ((0, 1), (1, 1), (2, 1))},
    "zones": (
        {"name": "heel_medial", "adc": 4, "x_mm": 25, "y_mm": 12, "cal": (1500, 5, 6)},
        {"name": "heel_lateral", "adc": 9, "x_mm": 25, "y_mm": -12, "cal": (1500, 5, 6)},
        {"name": "meta_medial", "adc": 12, "x_mm": 180, "y_mm": 30, "cal": (1500, 5, 6)},
        {"name": "meta_lateral", "adc": 15, "x_mm": 180, "y_mm": -30, "cal": (1500, 5, 6)},
        {"name": "hallux", "adc": 16, "x_mm": 235, "y_mm": 10, "cal": (1500, 5, 6)},
    ),
    "motor": {"pin": 47, "pwm_hz": 1000},
    "battery": {"adc": 1, "num": 2, "den": 1},
    "storage": {"partition": "outbox", "blocks": 4, "block_size": 4096},
    # the MicroPython release this board runs (docs/FIRMWARE.md "Firmware"): the download's name and, once the
    # first download was checked against the download page, its sha256 (tools/firmware_image.py refuses others)
    "firmware": {"image": "ESP32_GENERIC_S3-SPIRAM-<date>-v1.28.0.bin", "sha256": None},
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
    # the pair link and light sleep between FIFO batches (docs/PAIR.md "BLE and light sleep"): stock
    # MicroPython v1.28.0 has no BLE controller modem sleep, so a light-sleeping insole runs no pair link
    # ("single": keeps a shift); "awake" keeps the MCU awake while the pair is connected; "modem" needs a
    # firmware built with controller modem sleep
    "pair_sleep": "single",
    "power": {"battery_mah": 1000, "active_ma": 38, "sleep_ua": 250, "lora_tx_ma": 118},
}
