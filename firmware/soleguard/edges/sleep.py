"""Light sleep between IMU FIFO batches: which pins wake the MCU, and when the app may sleep.

While worn, the LSM6DSO collects ``watermark`` frames in its FIFO (48 on the
device boards at 104 Hz = 462 ms) and the MCU light-sleeps in between; ``App.doze_ms()`` says
how long it may sleep now (0 = stay awake) and ``App.run(..., sleeper=)``
calls the injected ``sleeper(ms)`` (``hardware.light_sleep``: the only place
that touches ``machine``).

Wake sources per board (``wake_sources(board)``), from MicroPython v1.28.0
ports/esp32: ``machine.lightsleep`` is ``esp_light_sleep_start`` with a
timer and the pins armed by ``Pin.irq(..., wake=machine.SLEEP)``, and a level
wake needs an RTC GPIO (machine_pin.c RTC_IS_VALID_EXT_PIN: GPIO0-21 on the
ESP32-S3). A pin outside that range cannot wake the MCU: the sleep then ends
on the timer at the batch period (the FIFO keeps collecting: its 9 KB hold
several seconds of accelerometer + gyroscope words at 104 Hz, DS12140, so a
late wake loses nothing), and the SX1262's DIO1
is read at each wake instead (a downlink is seen at most one batch period
after it ends).

When the app stays awake (``App.doze_ms`` returns 0):
- a vibration pattern plays (pre-alarm, SOS confirmation, evacuation,
  technical): the motor's PWM (LEDC) and the 20 ms pattern ticks need the
  clocks that light sleep stops;
- the radio port says so (``may_sleep()`` False): an uplink is on air or its
  receive window (RX1) is open, an evacuation answer slot is scheduled (it
  must go within 14 ms of its start, PROTOCOL.md 8.3), or an alarm is in flight, because BLE then
  advertises it for a nearby gateway or phone and the stock firmware's
  NimBLE build has no controller modem sleep (sdkconfig.ble): a BLE advert or
  connection does not survive light sleep. Outside alarms the insole does not
  advertise, so nothing BLE is lost by sleeping. A pair link over BLE would
  need the same rule (awake while connected) or connection-less exchanges at
  wake times;
- the insole is in its not-worn sleep (``App.asleep``: the IMU's wake-up
  interrupt ends it; handled by the sampler).
Everything else (the 1 s supervisor with the watchdog feed, the link's
250 ms service, the LoRa listen windows, whose timing the SX1262 keeps on
its own) runs at the next wake: at most one batch period late.

Pressure zones: the zone timer cannot run while the MCU sleeps, so with
sleep the zones are read once per wake (``Zones.sample`` at the batch), and
every frame of the batch carries that reading; with a ``zone_power`` pin in
the board file the dividers are powered only for that read.
"""
# RTC GPIOs per MCU: the pins that can wake it from light sleep (MicroPython v1.28.0 machine_pin.c)
RTC_PINS = {"esp32s3": (0, 21), "esp32": (0, 39)}


def can_wake(board, pin):
    """True when GPIO ``pin`` of ``board`` can wake its MCU from light sleep (an RTC GPIO)."""
    span = RTC_PINS.get(board["mcu"])
    return span is not None and pin is not None and span[0] <= pin <= span[1]


def wake_sources(board):
    """{'int1': bool, 'dio1': bool, 'timer': True}: what ends a light sleep on ``board``,
    read from its pins (INT1 = the FIFO watermark, DIO1 = the SX1262's interrupt)."""
    lora = board.get("radios", {}).get("lora")
    return {"int1": can_wake(board, board["imu"]["int1"]),
            "dio1": lora is not None and can_wake(board, lora.get("dio1")),
            "timer": True}


def batch_ms(board):
    """The FIFO batch period in ms (watermark frames at the IMU rate): the longest sleep."""
    imu = board["imu"]
    return 1000 * imu["watermark"] // imu["odr_hz"]
