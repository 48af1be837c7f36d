"""Drivers that run the firmware core on the MicroPython unix port from the host
(``micropython -m soleguard_unix.replay`` / ``.bench``). Never deployed to an insole.
"""
