"""soleguard_sim: the host side that runs the unchanged firmware on recordings.

  trace, importers/   the trace format and one importer per public dataset / local recordings
  replay              the firmware core on CPython and (mpbuild) the MicroPython unix port
  app                 the whole insole app on the unix port with the sim board (soak)
  score, plot         labelled scoring and plots
  scenario, scenarios/, tapmodel, taps   synthetic labelled traces and the SOS tap model
  team, gatewaylink, simgateway          the team over a simulated LoRa medium, the gateway's line protocol
  bench, frames, demo, cli               benchmarks, frame sizes, the demo and the ``soleguard`` command
The supervisor console is its own package, soleguard_console (console/).
"""
