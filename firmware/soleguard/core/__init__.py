"""Pure core: one concept per module, fed ``(t, sample)``, returning events.

  compat     micropython/CPython shims (const, ticks)
  config     every threshold and timing, with unit and origin
  frame      the sample frame layout and units
  events     event codes and the preallocated event queue
  features   gravity, tilt, activity, impact, load, centre of pressure
  posture    upright / not upright / fall suspected, fall and man-down detection
  tap        triple foot-to-foot strike (silent SOS) detector
  lifecycle  pre-alarm, cancel, alarm, acknowledgement, recovery
  pipeline   wires the above into one per-sample step (``Core``)
  technical  technical-alarm codes and the outbox's ranking of records
  patterns   vibration patterns (ids, priorities, timings)
  radioport  the radio port's command codes and a loopback radio
  protocol   frames, HMAC, replay window; airtime: time on air, EU868 duty cycle
  delivery   resend until acknowledged, downlink windows; crc: CRC-16
  pairlink   the left-right pair link: frames, session keys, queues, link state
  clocksync  the peer's clock offset as a proven interval (NTP exchanges, drift)
Nothing here imports anything outside this folder.
"""
