"""Stand-in for micropython-lib's ``lsm6dsox`` (not installable on the unix port).

Follows the documented API of ``LSM6DSOX(bus, cs=None, address=0x6A,
gyro_odr=104, accel_odr=104, gyro_scale=2000, accel_scale=4, ucf=None)``
for I2C: checks WHO_AM_I (108), soft-resets through CTRL3_C, writes
CTRL1_XL/CTRL2_G with the ODR and full-scale codes of the LSM6DSOX datasheet,
and exposes ``bus`` and ``address`` like the real class. Written for these
tests; the real driver is installed on boards from package.json.
"""
_ODR = {104: 0x4, 208: 0x5, 52: 0x3, 26: 0x2}
_XL_FS = {2: 0, 4: 2, 8: 3, 16: 1}
_G_FS = {250: 0, 500: 1, 1000: 2, 2000: 3}


class LSM6DSOX:
    def __init__(self, bus, cs=None, address=0x6A, gyro_odr=104, accel_odr=104, gyro_scale=2000, accel_scale=4, ucf=None):
        self.bus = bus
        self.cs = cs
        self.address = address
        if bus.readfrom_mem(address, 0x0F, 1)[0] != 108:
            raise OSError("No LSM6DS device was found at address 0x%x" % address)
        bus.writeto_mem(address, 0x12, bytes([bus.readfrom_mem(address, 0x12, 1)[0] | 1]))
        bus.writeto_mem(address, 0x10, bytes([(_ODR[accel_odr] << 4) | (_XL_FS[accel_scale] << 2) | 2]))
        bus.writeto_mem(address, 0x17, bytes([0x09]))
        bus.writeto_mem(address, 0x11, bytes([(_ODR[gyro_odr] << 4) | (_G_FS[gyro_scale] << 2)]))
