"""The boards' pins against what the chips, the boards and the pinned firmware fix (boards/*.py give each origin).

Facts used (sources in the board files):
- ESP32-S3 strapping pins GPIO0, 3, 45, 46; USB D-/D+ GPIO19/20; SPI flash/PSRAM GPIO26..32,
  and GPIO33..37 too with octal PSRAM (the XIAO's ESP32-S3R8; the T3-S3's FH4R2 is quad).
- UART0 GPIO43 (TX) / GPIO44 (RX): MicroPython v1.28.0 ESP32_GENERIC_S3 runs a UART REPL there
  (mpconfigboard.h MICROPY_HW_ENABLE_UART_REPL 1, uart.h MICROPY_HW_UART_REPL 0) and the ROM prints
  its boot log on GPIO43 at every reset.
- T3-S3 (LILYGO's SX1262 pin map): SD card on 2, 11, 13, 14; IO10 / IO21 tied to the radio's
  DIO3/DIO4; BOOT button 0; LED 37.
A board may use one of those pins only in the role the fact allows (ALLOWED): GPIO43 only for a
line that is an input on the other side (I2C SCL: the ESP32 drives it at reset), GPIO44 only for an
input of ours, GPIO3 only with the JTAG-source eFuse unburnt (stock), for our output.
"""
import pytest

from soleguard_sim.app import load_board

STRAPPING = {0, 3, 45, 46}
USB = {19, 20}
FLASH_QUAD = set(range(26, 33))
FLASH_OCTAL = FLASH_QUAD | set(range(33, 38))
UART0 = {43, 44}
BOARD_FIXED = {
    "t3s3": {"sd": {2, 11, 13, 14}, "radio_dio3_dio4": {10, 21}, "boot_button": {0}, "led": {37}},
    "xiao_s3": {},
}
PSRAM = {"t3s3": FLASH_QUAD, "xiao_s3": FLASH_OCTAL}
# (board, pin): the one role it may have, and why (the board file says more)
ALLOWED = {
    ("xiao_s3", 43): "scl",    # UART0 TX, driven at reset: only an input on the far side
    ("xiao_s3", 44): "int1",   # UART0 RX: an input of ours
    ("xiao_s3", 3): "motor",   # strapping only with STRAP_JTAG_SEL burnt; our output, pulled down
    ("t3s3", 3): "lora.miso",  # fixed by LILYGO's wiring
}


def _uses(b):
    """{pin: role} of every GPIO the board file claims; fails on a pin claimed twice."""
    uses = {}

    def add(pin, role):
        assert pin not in uses, "%s: GPIO%d is both %s and %s" % (b["name"], pin, uses[pin], role)
        uses[pin] = role

    add(b["i2c"]["scl"], "scl")
    add(b["i2c"]["sda"], "sda")
    add(b["imu"]["int1"], "int1")
    add(b["motor"]["pin"], "motor")
    add(b["battery"]["adc"], "battery")
    for z in b["zones"]:
        add(z["adc"], "zone " + z["name"])
    lora = b["radios"].get("lora", {})
    for k in ("sck", "mosi", "miso", "cs", "busy", "dio1", "reset", "rxen"):
        if k in lora:
            add(lora[k], "lora." + k)
    return uses


def _check(b, name):
    """AssertionError naming the pin when board ``b`` (of kind ``name``) uses a pin outside its allowed role."""
    forbidden = {}
    for pins, what in ((STRAPPING, "strapping pin"), (UART0, "UART0 (REPL, boot log)"), (USB, "USB"),
                       (PSRAM[name], "SPI flash/PSRAM")):
        for pin in pins:
            forbidden[pin] = what
    for what, pins in BOARD_FIXED[name].items():
        for pin in pins:
            forbidden[pin] = what
    for pin, role in _uses(b).items():
        if pin in forbidden:
            assert ALLOWED.get((name, pin)) == role, "%s: GPIO%d (%s) is %s" % (name, pin, role, forbidden[pin])


@pytest.mark.parametrize("name", ["t3s3", "xiao_s3"])
def test_board_pins_avoid_strapping_uart0_usb_flash_psram_and_the_boards_own(name):
    _check(load_board(name), name)


def test_zone_and_battery_pins_are_adc_pins():
    for name in ("t3s3", "xiao_s3"):
        b = load_board(name)
        for z in b["zones"]:
            assert 1 <= z["adc"] <= 20, (name, z)  # ESP32-S3 ADC1 GPIO1..10, ADC2 GPIO11..20
        assert 1 <= b["battery"]["adc"] <= 20, name


@pytest.mark.parametrize("name,change,why", [
    ("t3s3", lambda b: dict(b, imu=dict(b["imu"], int1=21)), "radio_dio3_dio4"),
    ("t3s3", lambda b: dict(b, zones=b["zones"] + ({"name": "x", "adc": 2, "x_mm": 0, "y_mm": 0, "cal": (0, 1, 0)},)), "sd"),
    # the former XIAO wiring: INT1 on GPIO43, motor on GPIO44, a zone on GPIO3, SCL on GPIO6
    ("xiao_s3", lambda b: dict(b, i2c=dict(b["i2c"], scl=6), imu=dict(b["imu"], int1=43),
                               motor=dict(b["motor"], pin=44),
                               zones=tuple(dict(z, adc=3) if z["adc"] == 6 else z for z in b["zones"])),
     "UART0|strapping"),
    ("xiao_s3", lambda b: dict(b, imu=dict(b["imu"], int1=3), motor=dict(b["motor"], pin=44)), "UART0|strapping"),
])
def test_the_former_pins_are_caught(name, change, why):
    with pytest.raises(AssertionError, match=why):
        _check(change(load_board(name)), name)
