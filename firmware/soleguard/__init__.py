"""soleguard: the MicroPython app that runs on the insole (and unchanged on CPython).

The folders say what each module may do:
  core/    pure, integer, allocation-free per sample: detectors, alarm lifecycle,
           events, protocol, delivery. Imports nothing outside core/ (checked by
           tests/test_layout.py); no machine, bluetooth, asyncio or file I/O.
  edges/   hardware, radio, storage and haptics adapters with injected buses,
           pins and modules; only edges/hardware.py imports ``machine``.
  app.py   the asyncio wiring of core and edges; main.py the device entry point.
Importing this package imports nothing else (a board pays RAM only for what it uses).
"""
