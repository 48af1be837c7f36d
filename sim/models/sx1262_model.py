# Behavioural model of a Semtech SX1262 LoRa transceiver as seen by a host
# MCU over SPI + GPIO, plus a shared radio channel (`Air`).
#
# Written from the datasheet (DS = Semtech DS.SX1261-2 rev 2.1, Dec 2021;
# section numbers given in comments), NOT from any driver.  Timing values
# for mode transitions come from ST RM0453 Table 33 (STM32WL sub-GHz radio,
# the same radio IP), because the SX126x DS gives them only as figures.
# Everything that is a modelling assumption rather than a datasheet fact is
# marked "ASSUMPTION".
#
# Runs on CPython 3.11 and on the MicroPython unix port.
import sys

try:
    import micropython
except ImportError:
    import simenv  # noqa: F401  (CPython: provides `micropython`)
    import micropython

import simclock
from simwire import Wire

# ---------------------------------------------------------------------------
# Opcodes (DS 13, Table 13-1 ... 13-xx)
# ---------------------------------------------------------------------------
OP_SET_SLEEP = 0x84
OP_SET_STANDBY = 0x80
OP_SET_FS = 0xC1
OP_SET_TX = 0x83
OP_SET_RX = 0x82
OP_STOP_TIMER_ON_PREAMBLE = 0x9F
OP_SET_RX_DUTY_CYCLE = 0x94
OP_SET_CAD = 0xC5
OP_SET_TX_CONTINUOUS_WAVE = 0xD1
OP_SET_TX_INFINITE_PREAMBLE = 0xD2
OP_SET_REGULATOR_MODE = 0x96
OP_CALIBRATE = 0x89
OP_CALIBRATE_IMAGE = 0x98
OP_SET_PA_CONFIG = 0x95
OP_SET_RX_TX_FALLBACK_MODE = 0x93
OP_WRITE_REGISTER = 0x0D
OP_READ_REGISTER = 0x1D
OP_WRITE_BUFFER = 0x0E
OP_READ_BUFFER = 0x1E
OP_SET_DIO_IRQ_PARAMS = 0x08
OP_GET_IRQ_STATUS = 0x12
OP_CLEAR_IRQ_STATUS = 0x02
OP_SET_DIO2_AS_RF_SWITCH_CTRL = 0x9D
OP_SET_DIO3_AS_TCXO_CTRL = 0x97
OP_SET_RF_FREQUENCY = 0x86
OP_SET_PACKET_TYPE = 0x8A
OP_GET_PACKET_TYPE = 0x11
OP_SET_TX_PARAMS = 0x8E
OP_SET_MODULATION_PARAMS = 0x8B
OP_SET_PACKET_PARAMS = 0x8C
OP_SET_CAD_PARAMS = 0x88
OP_SET_BUFFER_BASE_ADDRESS = 0x8F
OP_SET_LORA_SYMB_NUM_TIMEOUT = 0xA0
OP_GET_STATUS = 0xC0
OP_GET_RSSI_INST = 0x15
OP_GET_RX_BUFFER_STATUS = 0x13
OP_GET_PACKET_STATUS = 0x14
OP_GET_DEVICE_ERRORS = 0x17
OP_CLEAR_DEVICE_ERRORS = 0x07
OP_GET_STATS = 0x10
OP_RESET_STATS = 0x00

# Minimum number of parameter bytes after the opcode; fewer -> "command
# processing error" (DS 13.5.1 status 0x4: "invalid opcode or incorrect
# number of parameters").  For Get/Read commands this counts the NOP bytes
# the host must clock to read the answer.
_MIN_ARGS = {
    OP_SET_SLEEP: 1, OP_SET_STANDBY: 1, OP_SET_FS: 0, OP_SET_TX: 3, OP_SET_RX: 3,
    OP_STOP_TIMER_ON_PREAMBLE: 1, OP_SET_RX_DUTY_CYCLE: 6, OP_SET_CAD: 0,
    OP_SET_TX_CONTINUOUS_WAVE: 0, OP_SET_TX_INFINITE_PREAMBLE: 0,
    OP_SET_REGULATOR_MODE: 1, OP_CALIBRATE: 1, OP_CALIBRATE_IMAGE: 2,
    OP_SET_PA_CONFIG: 4, OP_SET_RX_TX_FALLBACK_MODE: 1, OP_WRITE_REGISTER: 3,
    OP_READ_REGISTER: 3, OP_WRITE_BUFFER: 1, OP_READ_BUFFER: 2,
    OP_SET_DIO_IRQ_PARAMS: 8, OP_GET_IRQ_STATUS: 1, OP_CLEAR_IRQ_STATUS: 2,
    OP_SET_DIO2_AS_RF_SWITCH_CTRL: 1, OP_SET_DIO3_AS_TCXO_CTRL: 4,
    OP_SET_RF_FREQUENCY: 4, OP_SET_PACKET_TYPE: 1, OP_GET_PACKET_TYPE: 1,
    OP_SET_TX_PARAMS: 2, OP_SET_MODULATION_PARAMS: 4, OP_SET_PACKET_PARAMS: 6,
    OP_SET_CAD_PARAMS: 7, OP_SET_BUFFER_BASE_ADDRESS: 2,
    OP_SET_LORA_SYMB_NUM_TIMEOUT: 1, OP_GET_STATUS: 1, OP_GET_RSSI_INST: 1,
    OP_GET_RX_BUFFER_STATUS: 1, OP_GET_PACKET_STATUS: 1, OP_GET_DEVICE_ERRORS: 1,
    OP_CLEAR_DEVICE_ERRORS: 2, OP_GET_STATS: 1, OP_RESET_STATS: 6,
}
# Commands that only read: they report the status but do not change the
# command-status field (ASSUMPTION, consistent with DS 13.5.1 wording that
# the status reflects the last *command processed*).
_READ_ONLY = (OP_GET_STATUS, OP_GET_IRQ_STATUS, OP_GET_RX_BUFFER_STATUS, OP_GET_PACKET_STATUS,
              OP_GET_RSSI_INST, OP_GET_DEVICE_ERRORS, OP_GET_STATS, OP_GET_PACKET_TYPE,
              OP_READ_REGISTER, OP_READ_BUFFER)

# Chip modes, status bits 6:4 (DS 13.5.1 Table 13-76)
MODE_STBY_RC = 0x2
MODE_STBY_XOSC = 0x3
MODE_FS = 0x4
MODE_RX = 0x5
MODE_TX = 0x6
MODE_SLEEP = -1  # not reportable: the chip does not answer SPI in sleep
MODE_RESET = -2

# Command status, status bits 3:1 (DS 13.5.1)
CMD_OK = 0x1  # "RFU" in the DS; it is the value real chips report after a
#               successfully processed command (status byte 0xA2 in STBY_RC)
CMD_DATA_AVAILABLE = 0x2
CMD_TIMEOUT = 0x3
CMD_PROCESSING_ERROR = 0x4
CMD_EXEC_FAILURE = 0x5
CMD_TX_DONE = 0x6

# OpError bits (DS 13.6.1 Table 13-85, GetDeviceErrors)
OPERR_RC64K_CALIB = 1 << 0
OPERR_RC13M_CALIB = 1 << 1
OPERR_PLL_CALIB = 1 << 2
OPERR_ADC_CALIB = 1 << 3
OPERR_IMG_CALIB = 1 << 4
OPERR_XOSC_START = 1 << 5
OPERR_PLL_LOCK = 1 << 6
OPERR_PA_RAMP = 1 << 8

# IRQ bits (DS 13.3.1 Table 13-29)
IRQ_TX_DONE = 1 << 0
IRQ_RX_DONE = 1 << 1
IRQ_PREAMBLE_DETECTED = 1 << 2
IRQ_SYNCWORD_VALID = 1 << 3  # GFSK only
IRQ_HEADER_VALID = 1 << 4
IRQ_HEADER_ERR = 1 << 5
IRQ_CRC_ERR = 1 << 6
IRQ_CAD_DONE = 1 << 7
IRQ_CAD_DETECTED = 1 << 8
IRQ_TIMEOUT = 1 << 9

# LoRa bandwidth codes (DS 13.4.5.2 Table 13-47); exact values, the DS
# rounds them in the table (e.g. "LORA_BW_41 = 41.67 kHz").
LORA_BW_HZ = {
    0x00: 7812.5, 0x08: 10416.666666666666, 0x01: 15625.0, 0x09: 20833.333333333332,
    0x02: 31250.0, 0x0A: 41666.666666666664, 0x03: 62500.0, 0x04: 125000.0,
    0x05: 250000.0, 0x06: 500000.0,
}

# TCXO voltage codes (DS 13.3.6 Table 13-35)
TCXO_MV = (1600, 1700, 1800, 2200, 2400, 2700, 3000, 3300)

# Switching times in us (RM0453 Table 33, same radio IP; DS 8.3 Fig. 8-x).
T_SLEEP_COLD_US = 3500  # Sleep -> STDBY_RC, no retention ("cold start")
T_SLEEP_WARM_US = 340  # Sleep -> STDBY_RC, with retention ("warm start")
T_RC_TO_XOSC_US = 31
T_RC_TO_FS_US = 50
T_RC_TO_TX_US = 126
T_RC_TO_RX_US = 83
T_XOSC_TO_FS_US = 40
T_XOSC_TO_TX_US = 105
T_XOSC_TO_RX_US = 62
T_FS_TO_TX_US = 76
T_FS_TO_RX_US = 41
T_CMD_US = 2  # ASSUMPTION: plain configuration commands
T_CALIB_ALL_US = 3500  # DS 13.1.12: "full calibration ... 3.5 ms"
T_CALIB_IMAGE_US = 1000  # ASSUMPTION: DS gives no figure for CalibrateImage
T_POR_US = 3500  # ASSUMPTION: POR/NRESET release = cold start incl. calibration
T_RESET_MIN_LOW_US = 100  # DS 8.1: NRESET "held low for typically 100 us"
T_SLEEP_ENTRY_US = 500  # ASSUMPTION: BUSY stays high from SetSleep onwards anyway

# Register reset values that the model knows (DS 13.2 / 9.x / 15.x).
# Unlisted registers read 0x00 (ASSUMPTION).
_REG_RESET = {
    0x0740: 0x14, 0x0741: 0x24,  # LoRa sync word MSB/LSB, 0x1424 private (DS 13.2 Table 13-12)
    0x0736: 0x0D,  # IQ polarity setup (DS 15.4)
    0x08AC: 0x94,  # RX gain, power saving (DS 9.6 Table 9-3)
    0x08E7: 0x18,  # OCP, 60 mA for SX1262 at reset (DS 13.2)
    0x0911: 0x12, 0x0912: 0x12,  # XTA/XTB trim (DS 13.2) ASSUMPTION value
    0x0889: 0x04,  # TX modulation (DS 15.1) ASSUMPTION value
    0x08D8: 0xC8,  # TX clamp config (DS 15.2) ASSUMPTION value
}


def _ceil_div(a, b):
    return -((-a) // b)


def lora_time_on_air_us(sf, bw_hz, cr, preamble_len, explicit_header, crc_on, ldro, payload_len):
    """DS 6.1.4 'LoRa Time-on-Air' (float microseconds).

    cr is the coding-rate code 1..4 (4/5 .. 4/8).
    SF5/SF6:  Nsym = Npre + 6.25 + 8 + ceil(max(8PL+Ncrc-4SF+Nhdr, 0) / (4SF)) * (CR+4)
    SF7..12:  Nsym = Npre + 4.25 + 8 + ceil(max(8PL+Ncrc-4SF+8+Nhdr, 0) / (4SF)) * (CR+4)
    with LDRO the denominator is 4(SF-2).  Ncrc = 16 if CRC on, Nhdr = 20 if explicit.
    """
    n_crc = 16 if crc_on else 0
    n_hdr = 20 if explicit_header else 0
    if sf in (5, 6):
        num = 8 * payload_len + n_crc - 4 * sf + n_hdr
        den = 4 * sf
        fixed = 6.25
    else:
        num = 8 * payload_len + n_crc - 4 * sf + 8 + n_hdr
        den = 4 * (sf - 2) if ldro else 4 * sf
        fixed = 4.25
    n_payload = _ceil_div(max(num, 0), den) * (cr + 4)
    n_sym = preamble_len + fixed + 8 + n_payload
    t_sym_us = (1 << sf) * 1e6 / bw_hz
    return n_sym * t_sym_us


# ---------------------------------------------------------------------------
# Pin-like objects, with MicroPython ESP32 Pin.irq semantics (edge only,
# handler run through micropython.schedule, ports/esp32/machine_pin.c)
# ---------------------------------------------------------------------------
class ChipPin:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_DOWN = 1
    PULL_UP = 2
    IRQ_RISING = 1
    IRQ_FALLING = 2

    def __init__(self, wire):
        self._wire = wire
        self._mode = None
        self._out = 0
        self._handler = None
        self._trigger = 0

    def init(self, mode=None, pull=-1, value=None, **kw):
        if value is not None:
            self._out = 1 if value else 0
        if mode is not None:
            self._mode = mode
        if pull != -1:
            self._wire.set_pull(None if not pull else (1 if pull & 2 else 0))
        self._apply()

    def _apply(self):
        if self._mode == ChipPin.OUT:
            self._wire.drive(self, self._out)
        elif self._mode == ChipPin.OPEN_DRAIN:
            self._wire.drive(self, 0 if self._out == 0 else None)
        else:
            self._wire.drive(self, None)

    def value(self, *a):
        if a:
            self._out = 1 if a[0] else 0
            self._apply()
            return None
        return self._wire.level()

    def __call__(self, *a):
        return self.value(*a)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=3, **kw):
        self._handler = handler
        self._trigger = trigger if handler is not None else 0
        if handler is not None:
            self._wire.subscribe(self._edge)
        else:
            self._wire.unsubscribe(self._edge)

    def _edge(self, new, old):
        t = self._trigger
        if (new and not old and (t & 1)) or (old and not new and (t & 2)):
            micropython.schedule(self._handler, self)


class ChipSPI:
    """machine.SPI-like object talking straight to one chip model."""

    def __init__(self, chip, float_level=0xFF):
        self._chip = chip
        self._float = float_level

    def _x(self, src, dest, n):
        for i in range(n):
            r = self._chip.spi_byte(src[i] if src is not None else 0)
            if dest is not None:
                dest[i] = self._float if r is None else r

    def write(self, buf):
        self._x(buf, None, len(buf))

    def read(self, n, write=0):
        out = bytearray(n)
        self._x(bytes([write]) * n, out, n)
        return bytes(out)

    def readinto(self, buf, write=0):
        self._x(bytes([write]) * len(buf), buf, len(buf))

    def write_readinto(self, wbuf, rbuf):
        if len(wbuf) != len(rbuf):
            raise ValueError("buffers must be the same length")
        self._x(bytes(wbuf), rbuf, len(wbuf))


# ---------------------------------------------------------------------------
# Shared radio channel
# ---------------------------------------------------------------------------
class Air:
    """Shared medium. Transmissions are dicts (see start_tx); `log` keeps them
    all.  Loss model per link, decided at transmission start with a seeded
    xorshift32 PRNG (identical sequence on CPython and MicroPython):
      loss    - receiver hears nothing at all (below sensitivity)
      corrupt - receiver gets the packet with a CRC error
    Two transmissions that overlap in time on the same channel (freq/SF/BW)
    collide: neither is received (no capture effect, ASSUMPTION).
    """

    FREQ_TOLERANCE_OF_BW = 0.25  # ASSUMPTION: LoRa demod tolerates +-25% BW offset

    def __init__(self, clock, seed=1, loss=0.0, corrupt=0.0, rssi_dbm=-60, snr_db=10):
        self.clock = clock
        self._rng = (seed & 0xFFFFFFFF) or 0x1234567
        self.loss = loss
        self.corrupt = corrupt
        self.rssi_dbm = rssi_dbm
        self.snr_db = snr_db
        self.radios = []
        self.log = []
        self._links = []  # [tx_name, rx_name, dict]

    def rand(self):
        x = self._rng
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self._rng = x & 0xFFFFFFFF
        return self._rng / 4294967296.0

    def add(self, radio):
        if radio not in self.radios:
            self.radios.append(radio)

    def set_link(self, tx_name, rx_name, **kw):
        """kw: loss, corrupt, rssi_dbm, snr_db, blocked (True = no link)."""
        for l in self._links:
            if l[0] == tx_name and l[1] == rx_name:
                l[2].update(kw)
                return
        self._links.append([tx_name, rx_name, dict(kw)])

    def _link(self, tx_name, rx_name):
        for l in self._links:
            if l[0] == tx_name and l[1] == rx_name:
                return l[2]
        return {}

    @staticmethod
    def same_channel(a, b):
        if a["sf"] != b["sf"] or a["bw_code"] != b["bw_code"]:
            return False
        return abs(a["freq_hz"] - b["freq_hz"]) <= Air.FREQ_TOLERANCE_OF_BW * a["bw_hz"]

    def start_tx(self, tx):
        """tx: dict with sender, start_us, end_us, freq_hz, sf, bw_code, bw_hz,
        cr, preamble, explicit, crc_on, invert_iq, syncword, payload, radiated."""
        tx["aborted"] = False
        tx["collided"] = False
        tx["outcome"] = {}
        for other in self.log:
            if other["end_us"] > tx["start_us"] and not other["aborted"] and self.same_channel(other, tx):
                other["collided"] = True
                tx["collided"] = True
        self.log.append(tx)
        for r in self.radios:
            if r is tx["sender"]:
                continue
            link = self._link(tx["sender"].name, r.name)
            if link.get("blocked") or not tx["radiated"]:
                out = "lost"
            else:
                u = self.rand()
                loss = link.get("loss", self.loss)
                corrupt = link.get("corrupt", self.corrupt)
                out = "lost" if u < loss else ("corrupt" if u < loss + corrupt else "ok")
            tx["outcome"][r.name] = (out, link.get("rssi_dbm", self.rssi_dbm), link.get("snr_db", self.snr_db))
        t_sym = (1 << tx["sf"]) * 1e6 / tx["bw_hz"]
        hdr_at = tx["start_us"] + int((tx["preamble"] + 4.25 + 8) * t_sym)
        if hdr_at > tx["end_us"]:
            hdr_at = tx["end_us"]
        self.clock.schedule_at(hdr_at, lambda: self._header(tx))
        self.clock.schedule_at(tx["end_us"], lambda: self._end(tx))

    def abort_tx(self, tx, now):
        tx["aborted"] = True
        tx["end_us"] = now

    def _header(self, tx):
        if tx["aborted"]:
            return
        for r in self.radios:
            if r is not tx["sender"]:
                r._air_header(tx)

    def _end(self, tx):
        for r in self.radios:
            if r is not tx["sender"]:
                r._air_end(tx)

    def on_air(self, now=None):
        if now is None:
            now = self.clock.now_us()
        return [t for t in self.log if t["start_us"] <= now < t["end_us"] and not t["aborted"]]


# ---------------------------------------------------------------------------
# The chip
# ---------------------------------------------------------------------------
class SX1262:
    """SX1262 model.

    SX1262(clock, air=None, name="sx1262", tcxo_mv=None, tcxo_start_us=500,
           present=True, absent_miso=0xFF, busy_stuck=False,
           rxen_required=False, dio2_rf_switch_required=False)

      tcxo_mv      - module has a TCXO powered from DIO3 needing this voltage
                     (e.g. 1800).  None = crystal module.
      tcxo_start_us- how long the TCXO needs to give a clean clock; the host's
                     SetDIO3AsTCXOCtrl delay must be at least this.
      present      - False: nothing on the bus; MISO reads absent_miso, BUSY floats low.
      busy_stuck   - BUSY high forever, chip ignores everything.
      rxen_required- module has a host-driven RX-enable RF switch pin (like
                     Seeed Wio-SX1262): reception only while chip.rxen is high.
      dio2_rf_switch_required - the TX path of the module's RF switch is
                     driven by DIO2: without SetDIO2AsRfSwitchCtrl(1) a TX
                     radiates nothing.

    Pins (simwire.Wire):  nss_w, busy_w, dio1_w, reset_w, rxen_w, dio2_w, dio3_w
    Pin-like objects:     cs, busy, dio1, reset, rxen    (ChipPin)
    SPI-like object:      spi                            (ChipSPI)
    Or wire into the machine model with connect_machine(...).
    """

    def __init__(self, clock, air=None, name="sx1262", tcxo_mv=None, tcxo_start_us=500,
                 present=True, absent_miso=0xFF, busy_stuck=False, rxen_required=False,
                 dio2_rf_switch_required=False):
        self.clock = clock
        self.air = air
        self.name = name
        self.tcxo_mv = tcxo_mv
        self.tcxo_start_us = tcxo_start_us
        self.present = present
        self.absent_miso = absent_miso
        self.busy_stuck = busy_stuck
        self.rxen_required = rxen_required
        self.dio2_rf_switch_required = dio2_rf_switch_required

        self.nss_w = Wire(name + ".NSS", float_level=1)
        self.busy_w = Wire(name + ".BUSY", float_level=0)
        self.dio1_w = Wire(name + ".DIO1", float_level=0)
        self.reset_w = Wire(name + ".NRESET", float_level=1)  # internal pull-up
        self.rxen_w = Wire(name + ".RXEN", float_level=0)
        self.dio2_w = Wire(name + ".DIO2", float_level=0)
        self.dio3_w = Wire(name + ".DIO3", float_level=0)
        self.cs = ChipPin(self.nss_w)
        self.busy = ChipPin(self.busy_w)
        self.dio1 = ChipPin(self.dio1_w)
        self.reset = ChipPin(self.reset_w)
        self.rxen = ChipPin(self.rxen_w)
        self.spi = ChipSPI(self)

        # test-visible records
        self.commands = []  # (time_us, bytes) every executed transaction
        self.violations = []  # (time_us, text) host protocol errors
        self.nonzero_nops = []
        self.exec_failures = []  # (time_us, opcode) "failure to execute"   # read commands whose NOP bytes were not 0x00
        self.stats_received = 0
        self.stats_crc_err = 0
        self.stats_hdr_err = 0

        self._busy_ev = None
        self._pending_ev = []
        self._xact = None
        self._xact_ignored = False
        self._reset_low_since = None
        self.mode = MODE_RESET

        if air is not None:
            air.add(self)
        if not present:
            return
        self.nss_w.subscribe(self._nss_edge)
        self.reset_w.subscribe(self._reset_edge)
        self.rxen_w.subscribe(self._rxen_edge)
        if busy_stuck:
            self.busy_w.drive(self, 1)
            return
        self._power_on()

    # ------------------------------------------------------------------
    # wiring helpers
    # ------------------------------------------------------------------
    def connect_machine(self, spi_id, nss, busy, dio1=None, reset=None, rxen=None):
        """Wire this chip to GPIO numbers of the `machine` model and attach it
        to machine.SPI(spi_id)."""
        import machine

        machine.connect(nss, self.nss_w)
        machine.connect(busy, self.busy_w)
        if dio1 is not None:
            machine.connect(dio1, self.dio1_w)
        if reset is not None:
            machine.connect(reset, self.reset_w)
        if rxen is not None:
            machine.connect(rxen, self.rxen_w)
        machine.attach_spi(spi_id, self)
        return self

    # ------------------------------------------------------------------
    # state / reset
    # ------------------------------------------------------------------
    def _reset_config(self):
        # Cold start / POR defaults (DS 13.x "default values")
        self.regs = {}
        self.buf = bytearray(256)  # DS 13.2 / 14: 256-byte data buffer
        self.packet_type = 0  # GFSK at POR (DS 13.4.2)
        self.freq_reg = 0
        self.sf = 7
        self.bw_code = 0x04
        self.cr = 1
        self.ldro = 0
        self.preamble = 8
        self.explicit = True
        self.payload_len = 0xFF
        self.crc_on = True
        self.invert_iq = False
        self.tx_base = 0
        self.rx_base = 0
        self.irq_mask = 0  # DS 13.3.1: by default all IRQs are masked
        self.dio_mask = [0, 0, 0]
        self.tcxo_ctrl = None  # (mv, delay_us)
        self.dio2_rf_switch = False
        self.fallback = MODE_STBY_RC  # DS 13.1.11 default STDBY_RC
        self.pa_config = None
        self.tx_params = None
        self.regulator = 0
        self.stop_timer_on_preamble = False
        self.symb_num_timeout = 0
        self.rx_len = 0
        self.rx_ptr = 0
        self.pkt_rssi = 0
        self.pkt_snr = 0
        self.calib_param = None

    def _power_on(self):
        self._reset_config()
        self.irq_status = 0
        self.cmd_status = 0
        self.op_error = 0
        self._xosc_on = False
        self._rx_continuous = False
        self._listen_since = None
        self._locked = None
        self._rx_timeout_ev = None
        self._rx_active = False
        self._tx_cur = None
        self._tx_ev = None
        self._status_snapshot = 0
        self._cancel_pending()
        self.mode = MODE_RESET
        self._update_dio()
        self.dio2_w.drive(self, 0)
        self.dio3_w.drive(self, 0)
        # POR / reset is followed by the calibration procedure (DS 8.1,
        # 9.2.1); BUSY is high until the chip is in STDBY_RC.
        self._busy_for(T_POR_US, self._boot_done)

    def _boot_done(self):
        self.mode = MODE_STBY_RC
        if self.tcxo_mv is not None:
            # DS 13.3.6: with a TCXO the XOSC_START_ERR flag is raised at POR
            # (and at wake-up from cold-start sleep): the TCXO is not powered.
            self.op_error |= OPERR_XOSC_START

    def _cancel_pending(self):
        for ev in self._pending_ev:
            self.clock.cancel(ev)
        self._pending_ev = []
        if self._busy_ev is not None:
            self.clock.cancel(self._busy_ev)
            self._busy_ev = None

    def _at(self, t_us, fn):
        ev = self.clock.schedule_at(t_us, fn)
        self._pending_ev.append(ev)
        return ev

    def _busy_for(self, us, then=None):
        self.busy_w.drive(self, 1)
        if self._busy_ev is not None:
            self.clock.cancel(self._busy_ev)

        def done():
            # `then` may return True to keep BUSY high (sleep)
            self._busy_ev = None
            keep = then() if then is not None else None
            if not keep and not self.busy_stuck:
                self.busy_w.drive(self, 0)

        self._busy_ev = self.clock.schedule_in(max(1, int(us)), done)

    def is_busy(self):
        return self.busy_w.level() == 1

    def set_busy_stuck(self, stuck=True):
        """Fault injection at run time: BUSY goes (and stays) high."""
        self.busy_stuck = stuck
        self.busy_w.drive(self, 1 if stuck else 0)

    # ------------------------------------------------------------------
    # pins
    # ------------------------------------------------------------------
    def _reset_edge(self, new, old):
        now = self.clock.now_us()
        if not new:
            self._reset_low_since = now
            self._abort_radio()
            self._cancel_pending()
            self.mode = MODE_RESET
            self.busy_w.drive(self, 1)  # DS 8.3: BUSY high during reset/start-up
        else:
            since = self._reset_low_since
            self._reset_low_since = None
            if since is not None and now - since < T_RESET_MIN_LOW_US:
                self.violations.append((now, "NRESET low for only %d us" % (now - since)))
            if self.busy_stuck:
                return
            self._power_on()

    def _rxen_edge(self, new, old):
        if self.mode != MODE_RX:
            return
        if new:
            if self._listen_since is None and self._rx_active:
                self._listen_since = self.clock.now_us()
        else:
            self._listen_since = None
            self._locked = None

    def _nss_edge(self, new, old):
        now = self.clock.now_us()
        if not new:  # falling edge: start of transaction
            self._xact = bytearray()
            self._xact_ignored = False
            if self.busy_stuck or self.mode == MODE_RESET:
                self._xact_ignored = True
            elif self.mode == MODE_SLEEP:
                # DS 8.2.2 / 13.1.1: NSS falling edge wakes the chip; the
                # transaction itself is not executed.
                self._xact_ignored = True
                self._wake()
            elif self.is_busy():
                self._xact_ignored = True
                self.violations.append((now, "NSS low while BUSY high"))
            else:
                self._status_snapshot = self._status_byte()
        else:  # rising edge: execute
            data = self._xact
            ign = self._xact_ignored
            self._xact = None
            if data is None or ign or not data:
                return
            self.commands.append((now, bytes(data)))
            self._check_nops(data)
            self._execute(bytes(data))

    # bytes the host must send as NOP (0x00) while reading (DS 13 tables:
    # "NOP" in the Data-from-host row); index of the first NOP per opcode
    _NOP_FROM = {OP_GET_STATUS: 1, OP_GET_IRQ_STATUS: 1, OP_GET_RX_BUFFER_STATUS: 1,
                 OP_GET_PACKET_STATUS: 1, OP_GET_DEVICE_ERRORS: 1, OP_GET_RSSI_INST: 1,
                 OP_GET_STATS: 1, OP_GET_PACKET_TYPE: 1, OP_READ_REGISTER: 3}

    def _check_nops(self, data):
        k = self._NOP_FROM.get(data[0])
        if k is not None:
            for b in data[k:]:
                if b != 0:
                    self.nonzero_nops.append((self.clock.now_us(), bytes(data)))
                    return

    def spi_byte(self, b):
        """One full-duplex byte. Returns the MISO byte, or None if MISO is
        high impedance (NSS high, DS 8.2: "MISO is high impedance when NSS is high")."""
        if not self.present:
            return self.absent_miso
        if self.nss_w.level() or self._xact is None:
            return None
        if self._xact_ignored:
            return None
        i = len(self._xact)
        r = self._miso(i)
        self._xact.append(b & 0xFF)
        return r

    # ------------------------------------------------------------------
    # SPI read-back (DS 13: "Data to host" rows of each command table)
    # ------------------------------------------------------------------
    def _status_byte(self):
        # DS 13.5.1: bit7 reserved (seen as 1 on real parts), bits 6:4 mode,
        # bits 3:1 command status, bit0 reserved.
        m = self.mode if self.mode > 0 else 0
        return 0x80 | (m << 4) | (self.cmd_status << 1)

    def _miso(self, i):
        st = self._status_snapshot
        x = self._xact
        if i == 0:
            return st
        op = x[0]
        v = None
        # byte i of the answer: i == 1 is the status, then the data fields
        if op == OP_GET_IRQ_STATUS:
            v = (st, self.irq_status >> 8, self.irq_status & 0xFF)
        elif op == OP_GET_DEVICE_ERRORS:
            v = (st, self.op_error >> 8, self.op_error & 0xFF)
        elif op == OP_GET_RX_BUFFER_STATUS:
            v = (st, self.rx_len, self.rx_ptr)
        elif op == OP_GET_PACKET_STATUS:
            v = (st, self.pkt_rssi, self.pkt_snr, self.pkt_rssi)
        elif op == OP_GET_RSSI_INST:
            v = (st, self._rssi_inst())
        elif op == OP_GET_PACKET_TYPE:
            v = (st, self.packet_type)
        elif op == OP_GET_STATS:
            v = (st, self.stats_received >> 8, self.stats_received & 0xFF,
                 self.stats_crc_err >> 8, self.stats_crc_err & 0xFF,
                 self.stats_hdr_err >> 8, self.stats_hdr_err & 0xFF)
        if v is not None:
            return v[i - 1] if i - 1 < len(v) else st
        if op == OP_READ_REGISTER:
            # opcode, addr[15:8], addr[7:0], NOP(status), data...
            if i >= 4:
                addr = (x[1] << 8) | x[2]
                return self._reg_get(addr + i - 4)
            return st
        if op == OP_READ_BUFFER:
            # opcode, offset, NOP(status), data... (wraps at 256, DS 13.2.4)
            if i >= 3:
                return self.buf[(x[1] + i - 3) & 0xFF]
            return st
        return st

    def _reg_get(self, addr):
        addr &= 0xFFFF
        if addr in self.regs:
            return self.regs[addr]
        return _REG_RESET.get(addr, 0)

    def _rssi_inst(self):
        if self.mode == MODE_RX and self.air is not None and self.air.on_air():
            return (-2 * self.air.rssi_dbm) & 0xFF
        return 0xF0  # -120 dBm noise floor, ASSUMPTION

    # ------------------------------------------------------------------
    # command execution
    # ------------------------------------------------------------------
    def _execute(self, data):
        op = data[0]
        args = data[1:]
        need = _MIN_ARGS.get(op)
        if need is None or len(args) < need:
            self.cmd_status = CMD_PROCESSING_ERROR
            self._busy_for(T_CMD_US)
            return
        h = self._HANDLERS.get(op)
        res = h(self, args) if h is not None else None
        if res is None:
            res = (CMD_OK, T_CMD_US, None)
        st, busy_us, then = res
        if op not in _READ_ONLY and st is not None:
            self.cmd_status = st
        if st == CMD_EXEC_FAILURE:
            self.exec_failures.append((self.clock.now_us(), op))
        self._busy_for(busy_us, then)

    # --- oscillator -----------------------------------------------------
    def _xosc_start(self):
        """Try to get the 32 MHz reference. Returns (ok, extra_busy_us).
        DS 13.3.6: with DIO3 TCXO control the chip powers the TCXO and waits
        the programmed delay; if the clock is absent -> XOSC_START_ERR."""
        if self._xosc_on:
            return True, 0
        if self.tcxo_mv is None:
            self._xosc_on = True
            return True, 0
        if self.tcxo_ctrl is None:
            # TCXO never powered: no clock at XTA
            return False, 0
        mv, delay_us = self.tcxo_ctrl
        self.dio3_w.drive(self, 1)
        if mv < self.tcxo_mv or delay_us < self.tcxo_start_us:
            return False, delay_us
        self._xosc_on = True
        return True, delay_us

    def _xosc_off(self):
        self._xosc_on = False
        self.dio3_w.drive(self, 0)

    def _need_xosc(self):
        ok, extra = self._xosc_start()
        if not ok:
            self.op_error |= OPERR_XOSC_START
        return ok, extra

    # --- handlers -----------------------------------------------------------
    def _h_standby(self, a):
        # DS 13.1.2 SetStandby: 0 = STDBY_RC, 1 = STDBY_XOSC
        self._abort_radio()
        if a[0] == 0:
            self.mode = MODE_STBY_RC
            self._xosc_off()
            return (CMD_OK, T_CMD_US, None)
        was_on = self._xosc_on
        ok, extra = self._need_xosc()
        if not ok:
            # chip stays in STDBY_RC; "failure to execute command" (DS 13.5.1)
            self.mode = MODE_STBY_RC
            self._xosc_off()
            return (CMD_EXEC_FAILURE, T_RC_TO_XOSC_US + extra, None)
        self.mode = MODE_STBY_XOSC
        return (CMD_OK, (T_CMD_US if was_on else T_RC_TO_XOSC_US) + extra, None)

    def _transition_time(self, target):
        m = self.mode
        if m == MODE_FS:
            return {MODE_TX: T_FS_TO_TX_US, MODE_RX: T_FS_TO_RX_US}.get(target, T_CMD_US)
        if self._xosc_on:
            return {MODE_TX: T_XOSC_TO_TX_US, MODE_RX: T_XOSC_TO_RX_US, MODE_FS: T_XOSC_TO_FS_US}[target]
        return {MODE_TX: T_RC_TO_TX_US, MODE_RX: T_RC_TO_RX_US, MODE_FS: T_RC_TO_FS_US}[target]

    def _h_fs(self, a):
        self._abort_radio()
        t = self._transition_time(MODE_FS)
        ok, extra = self._need_xosc()
        if not ok:
            self.mode = MODE_STBY_RC
            return (CMD_EXEC_FAILURE, t + extra, None)
        self.mode = MODE_FS
        return (CMD_OK, t + extra, None)

    def _h_tx(self, a):
        # DS 13.1.4 SetTx(timeout): 15.625 us steps, 0 = no timeout.
        # BUSY goes low when the PA has ramped and the preamble starts
        # (RM0453 Table 33 note 2).
        timeout = (a[0] << 16) | (a[1] << 8) | a[2]
        self._abort_radio()
        t = self._transition_time(MODE_TX)
        ok, extra = self._need_xosc()
        if not ok:
            self.mode = MODE_STBY_RC
            return (CMD_EXEC_FAILURE, t + extra, None)
        self.mode = MODE_TX
        if self.dio2_rf_switch:
            self.dio2_w.drive(self, 1)  # DS 13.3.5: DIO2 high in TX
        return (CMD_OK, t + extra, lambda: self._tx_start(timeout))

    def _tx_params(self):
        return {
            "sender": self, "freq_hz": self.freq_hz(), "sf": self.sf, "bw_code": self.bw_code,
            "bw_hz": LORA_BW_HZ.get(self.bw_code, 125000.0), "cr": self.cr,
            "preamble": self.preamble, "explicit": self.explicit, "crc_on": self.crc_on,
            "invert_iq": self.invert_iq, "syncword": (self._reg_get(0x0740) << 8) | self._reg_get(0x0741),
            "ldro": self.ldro,
        }

    def time_on_air_us(self, payload_len=None):
        """DS 6.1.4 ToA for the currently configured LoRa parameters."""
        if payload_len is None:
            payload_len = self.payload_len
        return lora_time_on_air_us(self.sf, LORA_BW_HZ.get(self.bw_code, 125000.0), self.cr,
                                   self.preamble, self.explicit, self.crc_on, self.ldro, payload_len)

    def _tx_start(self, timeout):
        if self.mode != MODE_TX:
            return
        now = self.clock.now_us()
        n = self.payload_len
        payload = bytes([self.buf[(self.tx_base + i) & 0xFF] for i in range(n)])
        toa = int(self.time_on_air_us(n) + 0.5)
        tx = self._tx_params()
        tx["start_us"] = now
        tx["end_us"] = now + toa
        tx["payload"] = payload
        tx["radiated"] = self.packet_type == 1 and (self.dio2_rf_switch or not self.dio2_rf_switch_required)
        self._tx_cur = tx
        if self.air is not None:
            self.air.start_tx(tx)
        self._tx_ev = self._at(now + toa, self._tx_done)
        if timeout:
            tmo_us = (timeout * 15625) // 1000
            if tmo_us < toa:
                self._tx_ev2 = self._at(now + tmo_us, self._tx_timeout)

    def _tx_done(self):
        if self.mode != MODE_TX:
            return
        self._tx_cur = None
        self._irq(IRQ_TX_DONE)
        self.cmd_status = CMD_TX_DONE
        self.dio2_w.drive(self, 0)
        self._fallback()

    def _tx_timeout(self):
        if self.mode != MODE_TX:
            return
        if self._tx_cur is not None and self.air is not None:
            self.air.abort_tx(self._tx_cur, self.clock.now_us())
        self._tx_cur = None
        self._irq(IRQ_TIMEOUT)
        self.dio2_w.drive(self, 0)
        self._fallback()

    def _fallback(self):
        # DS 13.1.11 SetRxTxFallbackMode: mode after TX/RX done (default STDBY_RC)
        self._cancel_radio_events()
        self.mode = self.fallback
        if self.fallback == MODE_STBY_RC:
            self._xosc_off()
        self._listen_since = None
        self._rx_active = False
        self._locked = None

    def _h_rx(self, a):
        # DS 13.1.5 SetRx(timeout): 0x000000 single mode no timeout,
        # 0xFFFFFF continuous, else timeout * 15.625 us then Timeout IRQ.
        timeout = (a[0] << 16) | (a[1] << 8) | a[2]
        self._abort_radio()
        t = self._transition_time(MODE_RX)
        ok, extra = self._need_xosc()
        if not ok:
            self.mode = MODE_STBY_RC
            return (CMD_EXEC_FAILURE, t + extra, None)
        self.mode = MODE_RX
        self._rx_active = False
        return (CMD_OK, t + extra, lambda: self._rx_start(timeout))

    def _rx_start(self, timeout):
        if self.mode != MODE_RX:
            return
        now = self.clock.now_us()
        self._rx_active = True
        self._rx_continuous = timeout == 0xFFFFFF
        self._locked = None
        if not self.rxen_required or self.rxen_w.level():
            self._listen_since = now
        else:
            self._listen_since = None
        if timeout not in (0, 0xFFFFFF):
            self._rx_timeout_ev = self._at(now + (timeout * 15625) // 1000, self._rx_timeout)

    def _rx_timeout(self):
        self._rx_timeout_ev = None
        if self.mode != MODE_RX or self._locked is not None:
            return
        self._irq(IRQ_TIMEOUT)
        self._fallback()

    def _matches(self, tx):
        me = self._tx_params()
        if not Air.same_channel(tx, me):
            return False
        if tx["syncword"] != me["syncword"] or tx["invert_iq"] != me["invert_iq"]:
            return False
        return self.packet_type == 1

    def _listening_since_before(self, t):
        return self.mode == MODE_RX and self._listen_since is not None and self._listen_since <= t

    def _air_header(self, tx):
        if self._locked is not None or not self._listening_since_before(tx["start_us"]):
            return
        if not self._matches(tx):
            return
        out = tx["outcome"].get(self.name, ("lost", 0, 0))[0]
        if out == "lost":
            return
        if tx["explicit"] != self.explicit:
            if self.explicit:
                self._irq(IRQ_HEADER_ERR)  # header could not be decoded
                self.stats_hdr_err += 1
            return
        self._locked = tx
        # DS 13.1.5: timeout timer stops on header detection (default;
        # StopTimerOnPreamble changes it to preamble detection).
        if self._rx_timeout_ev is not None:
            self.clock.cancel(self._rx_timeout_ev)
            self._rx_timeout_ev = None
        self._irq(IRQ_PREAMBLE_DETECTED | (IRQ_HEADER_VALID if self.explicit else 0))

    def _air_end(self, tx):
        if self._locked is not tx:
            return
        self._locked = None
        if tx["aborted"] or not self._listening_since_before(tx["start_us"]):
            return
        out, rssi, snr = tx["outcome"].get(self.name, ("lost", 0, 0))
        payload = bytearray(tx["payload"])
        crc_on = tx["crc_on"] if tx["explicit"] else self.crc_on
        if not tx["explicit"]:
            n = self.payload_len
            if n != len(payload):
                out = "corrupt"
                payload = (payload + bytearray(n))[:n]
        bad = out == "corrupt" or tx["collided"]
        if bad and len(payload):
            payload[0] ^= 0x01
        for i in range(len(payload)):
            self.buf[(self.rx_base + i) & 0xFF] = payload[i]
        self.rx_len = len(payload)
        self.rx_ptr = self.rx_base
        self.pkt_rssi = int(-2 * rssi) & 0xFF
        self.pkt_snr = int(snr * 4) & 0xFF
        self.stats_received += 1
        flags = IRQ_RX_DONE
        if bad and crc_on:
            flags |= IRQ_CRC_ERR
            self.stats_crc_err += 1
        self.cmd_status = CMD_DATA_AVAILABLE
        self._irq(flags)
        if not self._rx_continuous:
            self._fallback()

    def _abort_radio(self):
        """Leaving TX/RX because of a new mode command."""
        if self.mode == MODE_TX and self._tx_cur is not None and self.air is not None:
            self.air.abort_tx(self._tx_cur, self.clock.now_us())
        self._tx_cur = None
        self._cancel_radio_events()
        self._listen_since = None
        self._rx_active = False
        self._locked = None
        self.dio2_w.drive(self, 0)

    def _cancel_radio_events(self):
        for ev in self._pending_ev:
            self.clock.cancel(ev)
        self._pending_ev = []
        self._rx_timeout_ev = None

    def _h_sleep(self, a):
        # DS 13.1.1 SetSleep(sleepConfig): bit2 warm start, bit0 RTC wake-up
        if self.mode not in (MODE_STBY_RC, MODE_STBY_XOSC):
            return (CMD_EXEC_FAILURE, T_CMD_US, None)
        self._warm = (a[0] & 0x04) != 0
        self._abort_radio()
        self._xosc_off()

        def enter():
            self.mode = MODE_SLEEP
            return True  # BUSY stays high in sleep (DS 8.3.1)

        return (CMD_OK, T_SLEEP_ENTRY_US, enter)

    def _wake(self):
        warm = getattr(self, "_warm", False)
        self.mode = MODE_RESET  # waking up; nothing answers yet

        def done():
            if not warm:
                keep_err = self.op_error
                self._reset_config()  # DS 13.1.1: cold start, config lost
                self.irq_status = 0
                self._update_dio()
                self.op_error = keep_err
                if self.tcxo_mv is not None:
                    self.op_error |= OPERR_XOSC_START  # DS 13.3.6 note
            self.mode = MODE_STBY_RC

        self._busy_for(T_SLEEP_WARM_US if warm else T_SLEEP_COLD_US, done)

    def _h_calibrate(self, a):
        # DS 13.1.12 Calibrate(calibParam): bit0 RC64k, bit1 RC13M, bit2 PLL,
        # bit3 ADC pulse, bit4 ADC bulk N, bit5 ADC bulk P, bit6 image, bit7 RFU.
        p = a[0]
        self.calib_param = p
        if p & 0x80:
            self.violations.append((self.clock.now_us(), "Calibrate with RFU bit7 set (0x%02x)" % p))
        if self.mode != MODE_STBY_RC:
            return (CMD_EXEC_FAILURE, T_CMD_US, None)
        extra = 0
        if p & 0x7C:  # PLL, ADC, image need the 32 MHz reference
            ok, extra = self._xosc_start()
            if not ok:
                self.op_error |= OPERR_XOSC_START
            self._xosc_off()  # calibration returns to STDBY_RC
        return (CMD_OK, T_CALIB_ALL_US + extra, None)

    def _h_calibrate_image(self, a):
        ok, extra = self._xosc_start()
        if not ok:
            self.op_error |= OPERR_XOSC_START
        if self.mode == MODE_STBY_RC:
            self._xosc_off()
        return (CMD_OK, T_CALIB_IMAGE_US + extra, None)

    def _h_tcxo(self, a):
        # DS 13.3.6 SetDIO3AsTCXOCtrl(tcxoVoltage, delay[23:0] * 15.625 us)
        trim = a[0] & 0x07
        delay = (a[1] << 16) | (a[2] << 8) | a[3]
        self.tcxo_ctrl = (TCXO_MV[trim], (delay * 15625) // 1000)
        return None

    def _h_dio2(self, a):
        self.dio2_rf_switch = (a[0] & 1) == 1  # DS 13.3.5
        return None

    def _h_dio_irq(self, a):
        # DS 13.3.1 SetDioIrqParams(IrqMask, DIO1Mask, DIO2Mask, DIO3Mask)
        self.irq_mask = (a[0] << 8) | a[1]
        self.dio_mask = [(a[2] << 8) | a[3], (a[4] << 8) | a[5], (a[6] << 8) | a[7]]
        self._update_dio()
        return None

    def _h_clear_irq(self, a):
        self.irq_status &= ~((a[0] << 8) | a[1]) & 0xFFFF  # DS 13.3.4
        self._update_dio()
        return None

    def _h_freq(self, a):
        # DS 13.4.1: RFfreq = RfFreq * 32 MHz / 2^25
        self.freq_reg = (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]
        return None

    def freq_hz(self):
        return (self.freq_reg * 32000000) // (1 << 25)

    def _h_packet_type(self, a):
        # DS 13.4.2: must be sent in STDBY
        if self.mode not in (MODE_STBY_RC, MODE_STBY_XOSC):
            return (CMD_EXEC_FAILURE, T_CMD_US, None)
        self.packet_type = a[0]
        return None

    def _h_mod(self, a):
        # DS 13.4.5.2 LoRa ModulationParams: SF, BW, CR, LowDataRateOptimize
        if self.packet_type == 1:
            if a[0] < 5 or a[0] > 12 or a[1] not in LORA_BW_HZ or a[2] < 1 or a[2] > 4:
                self.violations.append((self.clock.now_us(), "bad LoRa modulation params %r" % (bytes(a[:4]),)))
            self.sf = a[0]
            self.bw_code = a[1]
            self.cr = a[2]
            self.ldro = a[3] & 1
        return None

    def _h_pkt(self, a):
        # DS 13.4.6.2 LoRa PacketParams: PreambleLength(16), HeaderType
        # (0 explicit, 1 implicit), PayloadLength, CRCType, InvertIQ
        if self.packet_type == 1:
            self.preamble = (a[0] << 8) | a[1]
            self.explicit = a[2] == 0
            self.payload_len = a[3]
            self.crc_on = a[4] == 1
            self.invert_iq = a[5] == 1
        return None

    def _h_buf_base(self, a):
        self.tx_base = a[0]
        self.rx_base = a[1]
        return None

    def _h_write_buf(self, a):
        off = a[0]
        for i in range(1, len(a)):
            self.buf[(off + i - 1) & 0xFF] = a[i]
        return None

    def _h_write_reg(self, a):
        addr = (a[0] << 8) | a[1]
        for i in range(2, len(a)):
            self.regs[(addr + i - 2) & 0xFFFF] = a[i]
        return None

    def _h_clear_err(self, a):
        self.op_error = 0  # DS 13.6.2 ClearDeviceErrors
        return None

    def _h_pa(self, a):
        self.pa_config = tuple(a[:4])
        self.regs[0x08E7] = 0x38  # DS 13.1.14: OCP set to 140 mA for SX1262
        return None

    def _h_tx_params(self, a):
        self.tx_params = (a[0] - 256 if a[0] > 127 else a[0], a[1])
        return None

    def _h_fallback(self, a):
        self.fallback = {0x40: MODE_FS, 0x30: MODE_STBY_XOSC, 0x20: MODE_STBY_RC}.get(a[0], MODE_STBY_RC)
        return None

    def _h_reg_mode(self, a):
        self.regulator = a[0]
        return None

    def _h_stop_timer(self, a):
        self.stop_timer_on_preamble = a[0] != 0
        return None

    def _h_symb_timeout(self, a):
        self.symb_num_timeout = a[0]
        return None

    def _h_reset_stats(self, a):
        self.stats_received = self.stats_crc_err = self.stats_hdr_err = 0
        return None

    def _h_cad(self, a):
        # CAD: modelled only as "done after 2 symbols, detected if a matching
        # transmission is on air" (ASSUMPTION; DS 6.1.5 gives the real detail)
        self._abort_radio()
        ok, extra = self._need_xosc()
        if not ok:
            return (CMD_EXEC_FAILURE, T_RC_TO_RX_US + extra, None)
        self.mode = MODE_RX
        t_sym = int((1 << self.sf) * 1e6 / LORA_BW_HZ.get(self.bw_code, 125000.0))

        def done():
            det = False
            if self.air is not None:
                for tx in self.air.on_air():
                    if tx["sender"] is not self and self._matches(tx):
                        det = True
            self._irq(IRQ_CAD_DONE | (IRQ_CAD_DETECTED if det else 0))
            self._fallback()

        return (CMD_OK, T_RC_TO_RX_US + extra, lambda: self._at(self.clock.now_us() + 2 * t_sym, done))

    def _h_cw(self, a):
        self._abort_radio()
        ok, extra = self._need_xosc()
        if not ok:
            return (CMD_EXEC_FAILURE, T_RC_TO_TX_US + extra, None)
        self.mode = MODE_TX  # continuous wave / preamble: not put on the Air
        return (CMD_OK, T_RC_TO_TX_US + extra, None)

    def _h_rx_duty(self, a):
        self.violations.append((self.clock.now_us(), "SetRxDutyCycle not modelled"))
        return None

    _HANDLERS = {
        OP_SET_STANDBY: _h_standby, OP_SET_FS: _h_fs, OP_SET_TX: _h_tx, OP_SET_RX: _h_rx,
        OP_SET_SLEEP: _h_sleep, OP_CALIBRATE: _h_calibrate, OP_CALIBRATE_IMAGE: _h_calibrate_image,
        OP_SET_DIO3_AS_TCXO_CTRL: _h_tcxo, OP_SET_DIO2_AS_RF_SWITCH_CTRL: _h_dio2,
        OP_SET_DIO_IRQ_PARAMS: _h_dio_irq, OP_CLEAR_IRQ_STATUS: _h_clear_irq,
        OP_SET_RF_FREQUENCY: _h_freq, OP_SET_PACKET_TYPE: _h_packet_type,
        OP_SET_MODULATION_PARAMS: _h_mod, OP_SET_PACKET_PARAMS: _h_pkt,
        OP_SET_BUFFER_BASE_ADDRESS: _h_buf_base, OP_WRITE_BUFFER: _h_write_buf,
        OP_WRITE_REGISTER: _h_write_reg, OP_CLEAR_DEVICE_ERRORS: _h_clear_err,
        OP_SET_PA_CONFIG: _h_pa, OP_SET_TX_PARAMS: _h_tx_params,
        OP_SET_RX_TX_FALLBACK_MODE: _h_fallback, OP_SET_REGULATOR_MODE: _h_reg_mode,
        OP_STOP_TIMER_ON_PREAMBLE: _h_stop_timer, OP_SET_LORA_SYMB_NUM_TIMEOUT: _h_symb_timeout,
        OP_RESET_STATS: _h_reset_stats, OP_SET_CAD: _h_cad, OP_SET_TX_CONTINUOUS_WAVE: _h_cw,
        OP_SET_TX_INFINITE_PREAMBLE: _h_cw, OP_SET_RX_DUTY_CYCLE: _h_rx_duty,
    }

    # ------------------------------------------------------------------
    # IRQ / DIO1
    # ------------------------------------------------------------------
    def _irq(self, bits):
        # DS 13.3.1: only IRQs enabled in IrqMask are latched in IrqStatus
        self.irq_status |= bits & self.irq_mask
        self._update_dio()

    def _update_dio(self):
        # DIOx = OR of (IrqStatus & DIOxMask): stays high until cleared (DS 13.3.1)
        self.dio1_w.drive(self, 1 if (self.irq_status & self.dio_mask[0]) else 0)

    # ------------------------------------------------------------------
    # convenience for tests
    # ------------------------------------------------------------------
    def opcodes(self):
        return [c[1][0] for c in self.commands]

    def mode_name(self):
        return {MODE_STBY_RC: "STDBY_RC", MODE_STBY_XOSC: "STDBY_XOSC", MODE_FS: "FS",
                MODE_RX: "RX", MODE_TX: "TX", MODE_SLEEP: "SLEEP", MODE_RESET: "RESET"}[self.mode]
