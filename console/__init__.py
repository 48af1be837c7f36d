"""soleguard_console: the supervisor console for a soleguard gateway (what a site runs, not the simulator).

One concept per module:
  roster    the local roster: pseudonymous insole id -> person (never leaves
            the supervisor's machine)
  keyfile   the team key file (team id, key, site)
  state     the live picture (alarms, acknowledgements, heartbeats, evacuation,
            roll call); pure, time passed in
  orders    builds and signs downlinks, the persisted counter, the audit log
  link      the gateway line protocol (docs/PROTOCOL.md section 10) over
            pyserial or any line transport, reconnecting by itself
  fakegw    an in-process gateway with N simulated insoles speaking the same
            line protocol (tests, --sim without the team simulation)
  console   wiring: link -> state -> listeners; actions -> orders -> link
  web       the web console (Starlette + uvicorn, Server-Sent Events)
  mqtt      the MQTT bridge (paho-mqtt): events out, authenticated orders in
  cli       the ``soleguard gateway`` command

docs/CONSOLE.md describes screens, MQTT topics and payloads, and who sees what.
"""
