"""Register-level and block-level fakes for the unix port and CPython tests."""
