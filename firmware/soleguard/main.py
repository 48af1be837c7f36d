"""Device entry point: ``import soleguard.main; soleguard.main.run()`` (the deployed main.py).

Loads the deployed ``board.py`` and ``/config.json``, offers the boot escape,
builds the edges (the board's radios: delivery over LoRa + BLE, keyed by
``/team.key`` and the configured TEAM_ID; docs/FIRMWARE.md "App wiring"; the
pair link when PAIR_SIDE / PAIR_PEER_ID name one, docs/PAIR.md),
arms the watchdog, self-tests and runs the asyncio tasks (the app's four +
the radio adapters') forever, light-sleeping between IMU FIFO batches
(edges/sleep.py; a board file's ``"light_sleep": False`` keeps it awake).

Boot escape: for the board's ``boot_escape_ms`` (BOOT_ESCAPE_MS by default)
after reset, before the watchdog is armed, a Ctrl-C (what ``mpremote`` sends
when it connects) stops here and leaves the REPL without a watchdog, so
tools/deploy.py can reset the board and install over it. Once armed, the
ESP32 watchdog cannot be stopped (machine_wdt.c has no deinit): it would
reset the board in the middle of a ``mip``/``cp``.
"""
BOOT_ESCAPE_MS = 3000  # long enough for mpremote to reconnect after a reset (USB CDC re-enumerates)


def escape(ms, sleep_ms):
    """Wait ``ms`` for a Ctrl-C; True if one came (the caller then returns to the REPL)."""
    print("soleguard: Ctrl-C within %d ms for the REPL (no watchdog)" % ms)
    try:
        for _ in range(ms // 100):
            sleep_ms(100)
    except KeyboardInterrupt:
        print("soleguard: boot escape: REPL, app not started")
        return True
    return False


def run(config_path="/config.json", key_path="/team.key"):
    import asyncio
    import time

    from .edges import board as board_mod
    from .edges import hardware
    from .app import App
    from .edges.store import ConfigStore

    board = board_mod.load()
    if escape(board.get("boot_escape_ms", BOOT_ESCAPE_MS), time.sleep_ms):
        return None
    store = ConfigStore(config_path)
    values = store.load()
    hw = hardware.build(board, values, key_path=key_path)
    if hw.link_error:
        print("soleguard: radio down:", hw.link_error)
    if hw.storage_error:
        print("soleguard: storage:", hw.storage_error)
    if hw.pair_error:
        print("soleguard:", hw.pair_error)
    wdt = hardware.watchdog(board)
    app = App(board, hw.fifo, hw.zones, hw.motor, hw.battery, hw.outbox, hw.radio, values,
              clock=time.ticks_ms, wdt=wdt, sleep_ms=time.sleep_ms, config_store=store, pair=hw.pair,
              pair_log=lambda mode, t: print("soleguard: SOS mode", ("single", "pair")[mode], "at", t))
    app.start()
    if board.get("light_sleep", True):  # between FIFO batches (edges/sleep.py): zones read at each wake
        asyncio.run(app.run(hw.int1, time.ticks_ms, hardware.sleeper(board, hw)))
    else:  # awake: the zones sampled by a timer at the IMU rate
        hardware.start_zone_timer(hw, board["imu"]["odr_hz"])
        asyncio.run(app.run(hw.int1, time.ticks_ms))
