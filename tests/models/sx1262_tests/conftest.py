# pytest (CPython) path setup; the MicroPython runner (../run_mp.py) does the same.
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# the models themselves live in sim/models (the sim board runs on them too)
ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(HERE))), "sim", "models")
for p in (HERE, ROOT):
    if p not in sys.path:
        sys.path.insert(0, p)
