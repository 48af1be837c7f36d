"""Device entry point: ``import soleguard.main; soleguard.main.run()`` (the deployed main.py).

Loads the deployed ``board.py`` and ``/config.json``, builds the edges, arms
the watchdog, self-tests and runs the asyncio tasks forever.
"""


def run(config_path="/config.json"):
    import asyncio
    import time

    from . import board as board_mod
    from . import hardware
    from .app import App
    from .store import ConfigStore

    board = board_mod.load()
    values = ConfigStore(config_path).load()
    hw = hardware.build(board)
    wdt = hardware.watchdog(board)
    app = App(board, hw.fifo, hw.zones, hw.motor, hw.battery, hw.outbox, hw.radio, values,
              clock=time.ticks_ms, wdt=wdt, sleep_ms=time.sleep_ms)
    hardware.start_zone_timer(hw, board["imu"]["odr_hz"])
    app.start()
    asyncio.run(app.run(hw.int1, time.ticks_ms))
