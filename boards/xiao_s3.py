"""Seeed XIAO ESP32S3 + Wio-SX1262 (the wearable form): LSM6DSO, 3 FSR zones, ERM motor.

Firmware: the official MicroPython ESP32_GENERIC_S3 build (SPIRAM_OCT variant:
8 MB flash, 8 MB octal PSRAM; the ESP32-S3R8's octal PSRAM takes GPIO33..37).
Calibration values are placeholders until the insole is calibrated.

Where each pin comes from (Seeed's XIAO ESP32S3 pin map: D0..D3 = GPIO1..4,
D4 = GPIO5, D5 = GPIO6, D6 = GPIO43, D7 = GPIO44, D8..D10 = GPIO7..9; the
XIAO ESP32S3 & Wio-SX1262 kit: SPI on D8/D9/D10, NSS 41, RESET 42, BUSY 40,
DIO1 39 and the RF switch's RX enable 38 on the B2B connector; 1.8 V TCXO on DIO3):
the kit leaves eight pads for the insole, so UART0 and one strapping pin must
be used, each for the one role it tolerates:
  GPIO43 (D6, UART0 TX): the ROM prints its boot log there at every reset, and
    MicroPython v1.28.0 ESP32_GENERIC_S3 keeps a UART REPL on UART0
    (mpconfigboard.h MICROPY_HW_ENABLE_UART_REPL, uart.h MICROPY_HW_UART_REPL 0)
    until the pin is taken: only the I2C SCL, an input on the IMU, may sit there
    (with SDA idle high the boot log forms no START condition). Before, INT1 was
    here: the IMU's push-pull INT1 fought the boot log.
  GPIO44 (D7, UART0 RX): an input of ours: INT1. Before, the motor was here.
  GPIO3 (D2): a strapping pin (JTAG source), read only when the
    STRAP_JTAG_SEL eFuse is burnt (not on a stock XIAO): the motor driver's input,
    which needs a pull-down so the motor stays off while the pin floats at reset.
  ADC1: zones on D0 (GPIO1), D1 (GPIO2), D5 (GPIO6); the battery through an
    external 2:1 divider on D3 (GPIO4; the XIAO has no battery-sense divider);
    I2C SDA on D4 (GPIO5).
Still to check on the kit's schematic: that the Wio-SX1262 of the kit leaves D0..D7
unconnected (its edge pads carry another pinout than the stand-alone module).
"""
BOARD = {
    "name": "xiao_s3",
    "mcu": "esp32s3",
    "arch": "xtensawin",
    "i2c": {"id": 0, "scl": 43, "sda": 5, "freq": 400000},
    # watermark 48 frames = 462 ms at 104 Hz, one wake per batch: a fall decided at the end of its
    # confirmation window (FALL_CONFIRM_MS 2.5 s) still pre-alarms <= 3 s after the impact, an SOS
    # <= 1.5 s after the third strike (tests/test_sleep_parity.py); 16 frames woke the MCU 6.5 times a second
    "imu": {"model": "lsm6dso", "address": 0x6A, "int1": 44, "odr_hz": 104, "watermark": 48,
            "axes": ((1, -1), (0, 1), (2, 1))},
    "zones": (
        {"name": "heel", "adc": 1, "x_mm": 25, "y_mm": 0, "cal": (1500, 5, 6)},
        {"name": "meta_medial", "adc": 2, "x_mm": 180, "y_mm": 30, "cal": (1500, 5, 6)},
        {"name": "meta_lateral", "adc": 6, "x_mm": 180, "y_mm": -30, "cal": (1500, 5, 6)},
    ),
    "motor": {"pin": 3, "pwm_hz": 1000},
    "battery": {"adc": 4, "num": 2, "den": 1},
    "storage": {"partition": "outbox", "blocks": 4, "block_size": 4096},
    # the MicroPython release this board runs (docs/FIRMWARE.md "Firmware"): the download's name and, once the
    # first download was checked against the download page, its sha256 (tools/firmware_image.py refuses others)
    "firmware": {"image": "ESP32_GENERIC_S3-SPIRAM_OCT-<date>-v1.28.0.bin", "sha256": None},
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
    # the pair link and light sleep between FIFO batches (docs/PAIR.md "BLE and light sleep"): stock
    # MicroPython v1.28.0 has no BLE controller modem sleep, so a light-sleeping insole runs no pair link
    # ("single": keeps a shift); "awake" keeps the MCU awake while the pair is connected; "modem" needs a
    # firmware built with controller modem sleep
    "pair_sleep": "single",
    "power": {"battery_mah": 400, "active_ma": 38, "sleep_ua": 250, "lora_tx_ma": 118},
}
