"""Device entry point: ``import soleguard.main; soleguard.main.run()`` (the deployed main.py).

Loads the deployed ``board.py`` and ``/config.json``, builds the edges (the
board's radios: delivery over LoRa + BLE, keyed by ``/team.key`` and the
configured TEAM_ID; docs/FIRMWARE.md "App wiring"), arms the watchdog,
self-tests and runs the asyncio tasks (the app's four + the radio adapters')
forever.
"""


def run(config_path="/config.json", key_path="/team.key"):
    import asyncio
    import time

    from .edges import board as board_mod
    from .edges import hardware
    from .app import App
    from .edges.store import ConfigStore

    board = board_mod.load()
    store = ConfigStore(config_path)
    values = store.load()
    hw = hardware.build(board, values, key_path=key_path)
    if hw.link_error:
        print("soleguard: radio down:", hw.link_error)
    wdt = hardware.watchdog(board)
    app = App(board, hw.fifo, hw.zones, hw.motor, hw.battery, hw.outbox, hw.radio, values,
              clock=time.ticks_ms, wdt=wdt, sleep_ms=time.sleep_ms, config_store=store)
    hardware.start_zone_timer(hw, board["imu"]["odr_hz"])
    app.start()
    asyncio.run(app.run(hw.int1, time.ticks_ms))
