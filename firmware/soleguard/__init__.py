"""soleguard firmware core: pure, integer, allocation-free detectors.

Modules (one concept each):
  compat     micropython/CPython shims (const, ticks)
  config     every threshold and timing, with unit and origin
  frame      the sample frame layout and units
  events     event codes and the preallocated event queue
  features   gravity, tilt, activity, impact, load, centre of pressure
  posture    upright / not upright / fall suspected, fall and man-down detection
  tap        triple foot-to-foot strike (silent SOS) detector
  lifecycle  pre-alarm, cancel, alarm, acknowledgement, recovery
  core       wires the above into one per-sample step
  replay     text-stream driver used by the MicroPython unix port
No module here imports machine, bluetooth, asyncio or does file I/O.
"""
