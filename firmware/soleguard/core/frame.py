"""The sample frame: one IMU + pressure sample as integers.

A frame is an ``array('h')`` of ``FRAME_LEN`` signed 16-bit values, reused
for every sample (``new_frame()`` allocates it once):

  index        field        unit       range
  AX, AY, AZ   acceleration mg         -16000..16000 (LSM6DSO +-16 g)
  GX, GY, GZ   angular rate 0.1 dps    -20000..20000 (LSM6DSO +-2000 dps)
  Z0..Z7       zone load    N          0..5000 per zone (8 zones at most)

Insole axes (both feet): x toward the toes, y toward the wearer's left, z up
out of the sole, so a foot standing flat reads about (0, 0, +1000) mg.
Angular rate is right-handed about the same axes. Zones a board or trace does
not have are left at 0 and not counted (``Core(zones=n)``).
Time is not in the frame: it is passed beside it in ms (trace-relative).
"""
from array import array

from .compat import const

AX = const(0)
AY = const(1)
AZ = const(2)
GX = const(3)
GY = const(4)
GZ = const(5)
Z0 = const(6)
MAX_ZONES = const(8)
FRAME_LEN = const(14)


def new_frame():
    """Return a zeroed frame: array('h') of length FRAME_LEN."""
    return array("h", bytes(2 * FRAME_LEN))
