# lsm6dso_model.py -- register-level model of the ST LSM6DSO / LSM6DSOX IMU
# on I2C.  Runs on CPython 3.11 and MicroPython.
#
# Sources:
#   ST DS12140 (LSM6DSO datasheet) section 9 register map / section 10
#   register descriptions, Table 2 (sensitivities); ST UM2631-style board
#   manual text "FIFO ... up to 3 KB of data, or 512 words of 7 bytes each
#   (1 tag byte plus 6 data bytes)"; "Smart FIFO up to 9 kbyte" on the
#   datasheet front page is the figure *with* DPCM compression.
#   ST reference driver STMicroelectronics/lsm6dso-pid (lsm6dso_reg.h /
#   lsm6dso_reg.c, commit 163f39a) for bit positions, enum encodings and
#   sensitivities (lsm6dso_from_fs2_to_mg = 0.061 ... fs2000 = 70.0 mdps).
#   AN5192 (LSM6DSO application note) section 9 (FIFO) for modes and the
#   FIFO_DATA_OUT reading procedure.
#
# See README.md for what is and is not modelled.

from sim_hw import I2CDevice

# --- register addresses (user bank) ----------------------------------------
FUNC_CFG_ACCESS = 0x01
PIN_CTRL = 0x02
FIFO_CTRL1 = 0x07
FIFO_CTRL2 = 0x08
FIFO_CTRL3 = 0x09
FIFO_CTRL4 = 0x0A
COUNTER_BDR_REG1 = 0x0B
COUNTER_BDR_REG2 = 0x0C
INT1_CTRL = 0x0D
INT2_CTRL = 0x0E
WHO_AM_I = 0x0F
CTRL1_XL = 0x10
CTRL2_G = 0x11
CTRL3_C = 0x12
CTRL4_C = 0x13
CTRL5_C = 0x14
CTRL6_C = 0x15
CTRL7_G = 0x16
CTRL8_XL = 0x17
CTRL9_XL = 0x18
CTRL10_C = 0x19
ALL_INT_SRC = 0x1A
STATUS_REG = 0x1E
OUT_TEMP_L = 0x20
OUTX_L_G = 0x22
OUTX_L_A = 0x28
EMB_FUNC_STATUS_MAINPAGE = 0x35
FSM_STATUS_A_MAINPAGE = 0x36
FSM_STATUS_B_MAINPAGE = 0x37
MLC_STATUS_MAINPAGE = 0x38
STATUS_MASTER_MAINPAGE = 0x39
FIFO_STATUS1 = 0x3A
FIFO_STATUS2 = 0x3B
TIMESTAMP0 = 0x40
FIFO_DATA_OUT_TAG = 0x78
FIFO_DATA_OUT_Z_H = 0x7E

WHO_AM_I_VALUE = 0x6C  # LSM6DSO and LSM6DSOX both answer 0x6C

# FIFO tags (lsm6dso_fifo_tag_t)
TAG_GYRO_NC = 0x01
TAG_XL_NC = 0x02
TAG_TEMPERATURE = 0x03
TAG_TIMESTAMP = 0x04

# FIFO_MODE (FIFO_CTRL4[2:0])
FIFO_BYPASS = 0
FIFO_FIFO = 1
FIFO_CONT_TO_FIFO = 3
FIFO_BYPASS_TO_CONT = 4
FIFO_CONTINUOUS = 6
FIFO_BYPASS_TO_FIFO = 7

FIFO_WORDS = 512  # 512 words x 7 bytes (3.5 KiB raw; "3 KB" in ST docs)

# ODR code -> Hz (CTRL1_XL[7:4] / CTRL2_G[7:4]; lsm6dso_odr_xl_t)
_ODR_HZ = {
    0: 0.0,
    1: 12.5,
    2: 26.0,
    3: 52.0,
    4: 104.0,
    5: 208.0,
    6: 416.0,
    7: 833.0,
    8: 1666.0,
    9: 3332.0,
    10: 6667.0,
}
# BDR code -> Hz (FIFO_CTRL3 nibbles; lsm6dso_bdr_xl_t), 11 = 6.5 Hz
_BDR_HZ = {
    0: 0.0,
    1: 12.5,
    2: 26.0,
    3: 52.0,
    4: 104.0,
    5: 208.0,
    6: 417.0,
    7: 833.0,
    8: 1667.0,
    9: 3333.0,
    10: 6667.0,
    11: 6.5,
}

# Accelerometer full scale: FS_XL bits CTRL1_XL[3:2]: 00=2g 01=16g 10=4g 11=8g
# (with XL_FS_MODE=1 in CTRL8_XL[1], code 01 means 2g as well)
_FS_XL_G = {0: 2, 1: 16, 2: 4, 3: 8}
_SENS_XL_MG = {2: 0.061, 4: 0.122, 8: 0.244, 16: 0.488}  # DS12140 Table 2
# Gyro: CTRL2_G[1] FS_125; CTRL2_G[3:2] 00=250 01=500 10=1000 11=2000
_FS_G_DPS = {0: 250, 1: 500, 2: 1000, 3: 2000}
_SENS_G_MDPS = {125: 4.375, 250: 8.75, 500: 17.5, 1000: 35.0, 2000: 70.0}

# Registers that only the chip writes (writes from the host are ignored)
_READ_ONLY = (
    [WHO_AM_I]
    + list(range(0x1A, 0x1F))
    + list(range(0x20, 0x2E))
    + list(range(0x35, 0x3C))
    + list(range(0x40, 0x44))
    + list(range(0x78, 0x7F))
)
# Reserved addresses in the user bank (DS12140 Table 20: "must not be
# changed"); written values are recorded as warnings.
_RESERVED = [0x00, 0x03, 0x05, 0x06, 0x2E, 0x2F, 0x30, 0x31, 0x32, 0x33, 0x34, 0x3C, 0x3D, 0x3E, 0x3F]


def _clamp16(v):
    if v > 32767:
        return 32767
    if v < -32768:
        return -32768
    return v


def _s16_bytes(vals):
    out = bytearray(6)
    for i in range(3):
        v = vals[i] & 0xFFFF
        out[2 * i] = v & 0xFF
        out[2 * i + 1] = (v >> 8) & 0xFF
    return out


class LSM6DSO(I2CDevice):
    """LSM6DSO on an I2C bus.

        clk = SimClock()
        bus = sim_hw.i2c_bus(0)
        imu = LSM6DSO(bus, clock=clk, address=0x6A)   # SA0 low
        imu.connect_int1(machine.Pin(7))
        imu.set_motion(acc_mg=(0, 0, 1000), gyro_mdps=(0, 0, 0))
        clk.advance_ms(100)     # ODR ticks produce samples / FIFO words

    Physical inputs are on the *chip* axes, accelerometer in mg and gyro in
    mdps.  Samples are produced on each ODR tick of the injected clock.
    Input priority per tick: queued samples (push*), else the source
    function (set_source), else the held value (set_motion)."""

    def __init__(self, bus=None, clock=None, address=0x6A, who_am_i=WHO_AM_I_VALUE):
        self.address = address
        self.who_am_i = who_am_i
        self.present = True
        self.clock = clock
        self.bus = bus
        # fault knobs
        self.reset_stuck = False  # SW_RESET never self-clears
        self.reset_reads = 0  # SW_RESET stays set for this many reads
        self.fifo_rollover = True  # burst past 0x7E rolls back to 0x78
        # physical world
        self._acc_mg = (0.0, 0.0, 1000.0)
        self._gyro_mdps = (0.0, 0.0, 0.0)
        self._source = None
        self._acc_q = []
        self._gyro_q = []
        self.temp_c = 25.0
        self.steps = 0
        # pins
        self._int1_pins = []
        self._int2_pins = []
        self.int1_level = 0
        self.int2_level = 0
        self.warnings = []
        self.stats = {"xl_samples": 0, "g_samples": 0, "fifo_words": 0, "fifo_dropped": 0}
        self._power_on()
        if bus is not None:
            bus.attach(address, self)
        if clock is not None:
            clock.add_listener(self)

    # ------------------------------------------------------------------
    # reset / state
    # ------------------------------------------------------------------
    def _power_on(self):
        self.regs = bytearray(128)
        self.regs[PIN_CTRL] = 0x3F
        self.regs[CTRL3_C] = 0x04  # IF_INC = 1 by default
        self.emb = bytearray(128)  # embedded-functions bank
        self.shub = bytearray(128)  # sensor-hub bank
        self._reset_countdown = 0
        self._ptr = 0
        self._out_g = [0, 0, 0]
        self._out_xl = [0, 0, 0]
        self._bdu_pending = {}
        self._bdu_held = {}
        self._xlda = 0
        self._gda = 0
        self._tda = 0
        self._fifo = []
        self._ovr_ia = 0
        self._ovr_latched = 0
        self._tag_cnt = 0
        self._last_slot_t = None
        self._rd_word = None
        self._next_xl = None
        self._next_g = None
        self._next_bdr_xl = None
        self._next_bdr_g = None
        self._ts_base = 0
        self._update_pins()

    def _sw_reset(self):
        # SW_RESET: control registers back to default, FIFO cleared.
        keep_pins = (self._int1_pins, self._int2_pins)
        emb_steps = self.steps
        self._power_on()
        self._int1_pins, self._int2_pins = keep_pins
        self.steps = emb_steps
        self._reset_countdown = self.reset_reads
        if self.reset_stuck or self.reset_reads:
            self.regs[CTRL3_C] |= 0x01
        self._update_pins()

    # ------------------------------------------------------------------
    # configuration decode
    # ------------------------------------------------------------------
    def accel_fs_g(self):
        code = (self.regs[CTRL1_XL] >> 2) & 3
        if code == 1 and (self.regs[CTRL8_XL] & 0x02):
            return 2
        return _FS_XL_G[code]

    def gyro_fs_dps(self):
        r = self.regs[CTRL2_G]
        if r & 0x02:
            return 125
        return _FS_G_DPS[(r >> 2) & 3]

    def accel_odr_hz(self):
        code = self.regs[CTRL1_XL] >> 4
        if code == 11:
            # 1.6 Hz only in low-power mode (XL_HM_MODE=1), else 12.5 Hz
            return 1.6 if (self.regs[CTRL6_C] & 0x10) else 12.5
        return _ODR_HZ.get(code, 0.0)

    def gyro_odr_hz(self):
        return _ODR_HZ.get(self.regs[CTRL2_G] >> 4, 0.0)

    def accel_sens_mg(self):
        return _SENS_XL_MG[self.accel_fs_g()]

    def gyro_sens_mdps(self):
        return _SENS_G_MDPS[self.gyro_fs_dps()]

    def fifo_mode(self):
        return self.regs[FIFO_CTRL4] & 7

    def fifo_wtm(self):
        return self.regs[FIFO_CTRL1] | ((self.regs[FIFO_CTRL2] & 1) << 8)

    def fifo_capacity(self):
        if (self.regs[FIFO_CTRL2] & 0x80) and self.fifo_wtm() > 0:
            return self.fifo_wtm()  # STOP_ON_WTM: depth limited to WTM
        return FIFO_WORDS

    def fifo_level(self):
        return len(self._fifo)

    def _bdr_xl_hz(self):
        return _BDR_HZ.get(self.regs[FIFO_CTRL3] & 0x0F, 0.0)

    def _bdr_g_hz(self):
        return _BDR_HZ.get(self.regs[FIFO_CTRL3] >> 4, 0.0)

    # ------------------------------------------------------------------
    # physical input API (test side)
    # ------------------------------------------------------------------
    def set_motion(self, acc_mg=None, gyro_mdps=None):
        """Hold a constant physical input (chip axes; mg, mdps)."""
        if acc_mg is not None:
            self._acc_mg = tuple(acc_mg)
        if gyro_mdps is not None:
            self._gyro_mdps = tuple(gyro_mdps)

    def set_source(self, fn):
        """fn(t_us) -> (acc_mg_xyz, gyro_mdps_xyz); used when queues are empty."""
        self._source = fn

    def push(self, acc_mg=None, gyro_mdps=None):
        """Queue one physical sample for the next ODR tick of each sensor."""
        if acc_mg is not None:
            self._acc_q.append(tuple(acc_mg))
        if gyro_mdps is not None:
            self._gyro_q.append(tuple(gyro_mdps))

    def push_many(self, samples):
        """samples: iterable of (acc_mg, gyro_mdps) pairs (either may be None)."""
        for a, g in samples:
            self.push(a, g)

    def set_temperature(self, c):
        self.temp_c = c

    def set_steps(self, n):
        self.steps = n

    def connect_int1(self, pin):
        """Wire INT1 to a Pin-like object with sim_drive(level)."""
        self._int1_pins.append(pin)
        pin.sim_drive(self.int1_level)

    def connect_int2(self, pin):
        self._int2_pins.append(pin)
        pin.sim_drive(self.int2_level)

    # conversions used by tests
    def raw_to_mg(self, raw):
        return raw * self.accel_sens_mg()

    def raw_to_mdps(self, raw):
        return raw * self.gyro_sens_mdps()

    # ------------------------------------------------------------------
    # clock listener
    # ------------------------------------------------------------------
    def next_event_us(self):
        c = []
        if self._next_xl is not None:
            c.append(self._next_xl)
        if self._next_g is not None:
            c.append(self._next_g)
        if not c:
            return None
        return int(min(c) + 0.5)

    def _now(self):
        return self.clock.now_us() if self.clock is not None else 0

    def _reschedule(self):
        """Called after ODR/BDR register writes."""
        now = self._now()
        xo = self.accel_odr_hz()
        go = self.gyro_odr_hz()
        if xo > 0:
            if self._next_xl is None:
                self._next_xl = now + 1e6 / xo
        else:
            self._next_xl = None
        if go > 0:
            if self._next_g is None:
                self._next_g = now + 1e6 / go
        else:
            self._next_g = None

    def on_time(self, t_us):
        do_xl = self._next_xl is not None and int(self._next_xl + 0.5) <= t_us
        do_g = self._next_g is not None and int(self._next_g + 0.5) <= t_us
        # gyro word first, then accel word, within one time slot
        if do_g:
            self._next_g += 1e6 / self.gyro_odr_hz()
            self._sample_gyro(t_us)
        if do_xl:
            self._next_xl += 1e6 / self.accel_odr_hz()
            self._sample_xl(t_us)
        self._update_pins()

    def tick(self, n=1):
        """Convenience: advance the clock through exactly n accelerometer
        ODR ticks (gyro ticks if the accelerometer is off)."""
        for _ in range(n):
            nxt = self._next_xl if self._next_xl is not None else self._next_g
            if nxt is None:
                raise ValueError("sensors are powered down (ODR=0)")
            self.clock.advance_us(int(nxt + 0.5) - self.clock.now_us())

    def _physical(self, t_us):
        if self._source is not None:
            a, g = self._source(t_us)
            return tuple(a), tuple(g)
        return self._acc_mg, self._gyro_mdps

    def _sample_xl(self, t_us):
        if self._acc_q:
            a = self._acc_q.pop(0)
            self._acc_mg = a
        else:
            a = self._physical(t_us)[0]
        s = self.accel_sens_mg()
        raw = [_clamp16(int(round(a[i] / s))) for i in range(3)]
        self.stats["xl_samples"] += 1
        self._latch("xl", raw)
        self._xlda = 1
        bdr = self._bdr_xl_hz()
        if bdr > 0:
            if self._next_bdr_xl is None or t_us + 1 >= self._next_bdr_xl:
                self._fifo_push(TAG_XL_NC, raw, t_us)
                per = 1e6 / min(bdr, self.accel_odr_hz())
                self._next_bdr_xl = (t_us if self._next_bdr_xl is None else self._next_bdr_xl) + per
        else:
            self._next_bdr_xl = None

    def _sample_gyro(self, t_us):
        if self._gyro_q:
            g = self._gyro_q.pop(0)
            self._gyro_mdps = g
        else:
            g = self._physical(t_us)[1]
        s = self.gyro_sens_mdps()
        raw = [_clamp16(int(round(g[i] / s))) for i in range(3)]
        self.stats["g_samples"] += 1
        self._latch("g", raw)
        self._gda = 1
        bdr = self._bdr_g_hz()
        if bdr > 0:
            if self._next_bdr_g is None or t_us + 1 >= self._next_bdr_g:
                self._fifo_push(TAG_GYRO_NC, raw, t_us)
                per = 1e6 / min(bdr, self.gyro_odr_hz())
                self._next_bdr_g = (t_us if self._next_bdr_g is None else self._next_bdr_g) + per
        else:
            self._next_bdr_g = None

    def _latch(self, which, raw):
        bdu = self.regs[CTRL3_C] & 0x40
        if bdu and self._bdu_pending.get(which):
            self._bdu_held[which] = raw  # applied when the MSB is read
            return
        if which == "xl":
            self._out_xl = raw
        else:
            self._out_g = raw

    # ------------------------------------------------------------------
    # FIFO
    # ------------------------------------------------------------------
    def _fifo_push(self, tag, raw, t_us):
        mode = self.fifo_mode()
        if mode not in (FIFO_FIFO, FIFO_CONTINUOUS):
            # bypass (and the trigger-based modes, not modelled) store nothing
            return
        if self._last_slot_t != t_us:
            if self._last_slot_t is not None:
                self._tag_cnt = (self._tag_cnt + 1) & 3
            self._last_slot_t = t_us
        tag_byte = (tag << 3) | (self._tag_cnt << 1)
        # TAG_PARITY (bit0): ASSUMPTION even parity over bits 7:1
        p = 0
        v = tag_byte >> 1
        while v:
            p ^= v & 1
            v >>= 1
        tag_byte |= p
        word = bytes([tag_byte]) + bytes(_s16_bytes(raw))
        cap = self.fifo_capacity()
        if len(self._fifo) >= cap:
            if mode == FIFO_CONTINUOUS:
                self._fifo.pop(0)
                self._ovr_ia = 1
                self._ovr_latched = 1
                self.stats["fifo_dropped"] += 1
            else:
                # FIFO mode: stops collecting when full
                self.stats["fifo_dropped"] += 1
                return
        self._fifo.append(word)
        self.stats["fifo_words"] += 1

    def _wtm_ia(self):
        w = self.fifo_wtm()
        return 1 if (w > 0 and len(self._fifo) >= w) else 0

    def _full_ia(self):
        # "FIFO will be full at the next ODR"
        return 1 if len(self._fifo) >= self.fifo_capacity() - 1 else 0

    def _fifo_status2(self):
        n = len(self._fifo)
        v = (n >> 8) & 0x03
        if self._ovr_latched:
            v |= 0x08
        if self._full_ia():
            v |= 0x20
        if self._ovr_ia:
            v |= 0x40
        if self._wtm_ia():
            v |= 0x80
        return v

    def fifo_words(self):
        """Test helper: copy of the queued 7-byte FIFO words."""
        return list(self._fifo)

    # ------------------------------------------------------------------
    # interrupt pins
    # ------------------------------------------------------------------
    def _int_sources(self, ctrl):
        lvl = 0
        if (ctrl & 0x01) and self._xlda:
            lvl = 1
        if (ctrl & 0x02) and self._gda:
            lvl = 1
        if (ctrl & 0x08) and self._wtm_ia():
            lvl = 1
        if (ctrl & 0x10) and self._ovr_ia:
            lvl = 1
        if (ctrl & 0x20) and self._full_ia():
            lvl = 1
        return lvl

    def _update_pins(self):
        i1 = self._int_sources(self.regs[INT1_CTRL])
        i2 = self._int_sources(self.regs[INT2_CTRL])
        if self.regs[CTRL4_C] & 0x20:  # INT2_on_INT1
            i1 = i1 or i2
        if self.regs[CTRL3_C] & 0x20:  # H_LACTIVE: active low
            i1 = 1 - i1
            i2 = 1 - i2
        self.int1_level = i1
        self.int2_level = i2
        for p in self._int1_pins:
            p.sim_drive(i1)
        for p in self._int2_pins:
            p.sim_drive(i2)

    # ------------------------------------------------------------------
    # register file
    # ------------------------------------------------------------------
    def _bank(self):
        b = self.regs[FUNC_CFG_ACCESS] >> 6
        return b  # 0 user, 1 sensor hub, 2 embedded functions

    def _read_reg(self, a):
        a &= 0x7F
        bank = self._bank()
        if a != FUNC_CFG_ACCESS and bank == 2:
            if a == 0x62:
                return self.steps & 0xFF
            if a == 0x63:
                return (self.steps >> 8) & 0xFF
            return self.emb[a]
        if a != FUNC_CFG_ACCESS and bank == 1:
            return self.shub[a]
        if a == WHO_AM_I:
            return self.who_am_i
        if a == CTRL3_C:
            v = self.regs[CTRL3_C]
            if v & 0x01:
                if self.reset_stuck:
                    return v
                if self._reset_countdown > 0:
                    self._reset_countdown -= 1
                    return v
                self.regs[CTRL3_C] = v & ~0x01
                return self.regs[CTRL3_C]
            return v
        if a == STATUS_REG:
            return self._xlda | (self._gda << 1) | (self._tda << 2)
        if a == OUT_TEMP_L or a == OUT_TEMP_L + 1:
            raw = _clamp16(int(round((self.temp_c - 25.0) * 256)))
            self._tda = 0
            return (raw >> (8 * (a - OUT_TEMP_L))) & 0xFF
        if OUTX_L_G <= a < OUTX_L_G + 6:
            return self._out_byte("g", self._out_g, a - OUTX_L_G)
        if OUTX_L_A <= a < OUTX_L_A + 6:
            return self._out_byte("xl", self._out_xl, a - OUTX_L_A)
        if a == FIFO_STATUS1:
            return len(self._fifo) & 0xFF
        if a == FIFO_STATUS2:
            v = self._fifo_status2()
            self._ovr_latched = 0  # OVER_RUN_LATCHED reset on read
            return v
        if TIMESTAMP0 <= a < TIMESTAMP0 + 4:
            ts = (self._now() // 25) & 0xFFFFFFFF  # 25 us/LSB
            return (ts >> (8 * (a - TIMESTAMP0))) & 0xFF
        if FIFO_DATA_OUT_TAG <= a <= FIFO_DATA_OUT_Z_H:
            return self._fifo_byte(a - FIFO_DATA_OUT_TAG)
        return self.regs[a]

    def _out_byte(self, which, vals, off):
        axis = off >> 1
        v = vals[axis] & 0xFFFF
        if self.regs[CTRL3_C] & 0x40:  # BDU
            pend = self._bdu_pending.get(which)
            if pend is None:
                pend = set()
                self._bdu_pending[which] = pend
            if off & 1:
                pend.discard(axis)
                if not pend and which in self._bdu_held:
                    self._latch_apply(which)
            else:
                pend.add(axis)
        if which == "xl":
            self._xlda = 0
        else:
            self._gda = 0
        return (v >> 8) & 0xFF if (off & 1) else v & 0xFF

    def _latch_apply(self, which):
        raw = self._bdu_held.pop(which)
        if which == "xl":
            self._out_xl = raw
        else:
            self._out_g = raw

    def _fifo_byte(self, off):
        if off == 0 or self._rd_word is None:
            self._rd_word = self._fifo[0] if self._fifo else bytes(7)
        b = self._rd_word[off]
        if off == 6:
            # word consumed when its last byte (0x7E) has been read
            if self._fifo:
                self._fifo.pop(0)
                if len(self._fifo) < self.fifo_capacity():
                    self._ovr_ia = 0
            self._rd_word = None
        return b

    def _write_reg(self, a, v):
        a &= 0x7F
        v &= 0xFF
        bank = self._bank()
        if a != FUNC_CFG_ACCESS and bank == 2:
            if a == 0x64 and (v & 0x80):  # EMB_FUNC_SRC.PEDO_RST_STEP
                self.steps = 0
                v &= 0x7F
            self.emb[a] = v
            return
        if a != FUNC_CFG_ACCESS and bank == 1:
            self.shub[a] = v
            return
        if a in _READ_ONLY:
            self.warnings.append("write to read-only reg 0x%02x ignored" % a)
            return
        if a in _RESERVED:
            self.warnings.append("write to reserved reg 0x%02x" % a)
        if a == CTRL3_C:
            if v & 0x01:
                self.regs[CTRL3_C] = v
                self._sw_reset()
                return
            v &= ~0x80  # BOOT self-clears (reboot modelled as instant)
        old_mode = self.fifo_mode()
        self.regs[a] = v
        if a == FIFO_CTRL4:
            new_mode = v & 7
            if new_mode == FIFO_BYPASS and old_mode != FIFO_BYPASS:
                self._fifo = []
                self._ovr_ia = 0
                self._ovr_latched = 0
                self._rd_word = None
            if new_mode in (FIFO_CONT_TO_FIFO, FIFO_BYPASS_TO_CONT, FIFO_BYPASS_TO_FIFO):
                self.warnings.append("trigger-based FIFO mode %d not modelled (acts as bypass)" % new_mode)
        if a in (CTRL1_XL, CTRL2_G):
            if a == CTRL1_XL and (v >> 4) > 11:
                self.warnings.append("invalid ODR_XL code %d" % (v >> 4))
            if a == CTRL2_G and (v >> 4) > 10:
                self.warnings.append("invalid ODR_G code %d" % (v >> 4))
            self._reschedule()
        if a == FIFO_CTRL3:
            self._next_bdr_xl = None
            self._next_bdr_g = None

    # ------------------------------------------------------------------
    # I2C target protocol: first written byte = register address (SUB),
    # following bytes are data; reads continue from the pointer.
    # IF_INC (CTRL3_C[2]) enables address auto-increment.
    # ------------------------------------------------------------------
    def _inc(self, a):
        if not (self.regs[CTRL3_C] & 0x04):
            return a
        if self.fifo_rollover and a == FIFO_DATA_OUT_Z_H:
            return FIFO_DATA_OUT_TAG
        rnd = (self.regs[CTRL5_C] >> 5) & 3  # ROUNDING[1:0]
        if rnd == 1 and a == OUTX_L_A + 5:
            return OUTX_L_A
        if rnd == 2 and a == OUTX_L_G + 5:
            return OUTX_L_G
        if rnd == 3 and a == OUTX_L_A + 5:
            return OUTX_L_G
        return (a + 1) & 0x7F

    def i2c_write(self, data):
        if not data:
            return  # address-only probe (scan)
        self._ptr = data[0] & 0x7F
        for b in data[1:]:
            self._write_reg(self._ptr, b)
            self._ptr = self._inc(self._ptr)
        self._update_pins()

    def i2c_read(self, n):
        out = bytearray(n)
        for i in range(n):
            out[i] = self._read_reg(self._ptr)
            self._ptr = self._inc(self._ptr)
        self._update_pins()
        return out

    # direct (non-bus) register helpers for tests
    def peek(self, a):
        return self.regs[a & 0x7F]

    def poke(self, a, v):
        self._write_reg(a, v)
        self._update_pins()


# LSM6DSOX is register compatible for everything modelled here.
LSM6DSOX = LSM6DSO
