"""Block-level flash fakes (flash.py) for the unix port and CPython tests; chips, ports and libraries are
the models of sim/models under the real micropython-lib packages."""
