"""Persisted, validated configuration: detection thresholds, timings, team key id, radio.

    st = ConfigStore("/config.json")
    values = st.load()            # dict; defaults when nothing valid is stored
    st.save({"PRE_ALARM_MS": 20000, "LORA_SF": 10})   # ValueError if bad: file untouched

Stored as JSON ``{"crc": c, "values": {...}}`` with c = CRC-16 of the
canonical text of values (sorted keys), written to ``path + ".new"`` and then
renamed over ``path`` (rename is atomic on littlefs, MicroPython's default
filesystem), the previous file kept as ``path + ".old"``. ``load`` takes the
first of path, path.old that parses, passes its CRC and validates.

Validation: detection values go through ``config.Config.from_dict`` (ranges
and cross-field rules there); the fields below are checked here. Errors name
the field. A rejected ``save`` leaves the previous configuration in place.
"""
import json
import os

from ..core.config import Config
from ..core.crc import crc16

# name: (default, min, max, unit, origin)
EDGE_FIELDS = {
    "TEAM_KEY_ID": (0, 0, 65535, "id", "which per-team key authenticates frames (the key itself is not here)"),
    "TEAM_ID": (0, 0, 65535, "id", "the team id of every frame (protocol header); the console's key file names it"),
    "LORA_FREQ_KHZ": (868100, 863000, 870000, "kHz", "EU868 band (ETSI EN 300 220)"),
    "LORA_SF": (9, 7, 12, "spreading factor", "SF9: ~200 ms for 20 B at 125 kHz (DESIGN)"),
    "LORA_BW_KHZ": (125, 125, 500, "kHz", "125, 250 or 500"),
    "LORA_TX_DBM": (14, -9, 22, "dBm", "SX1262 range; 14 dBm ERP EU868 limit"),
    "HEARTBEAT_S": (300, 60, 300, "s", "[PNA] heartbeat <= 5 min"),
    "RESEND_S": (30, 5, 60, "s", "[PNA] resend cycle <= 60 s; target 30 s"),
    "IDLE_SLEEP_S": (600, 60, 3600, "s", "not worn this long: sleep until the wearer walks"),
    "BATTERY_LOW_MV": (3500, 3300, 3800, "mV", "technical alarm threshold, ~10 % left"),
    "ANSWER_SLOT": (0, 0, 64, "slot + 1", "evacuation answer slot: the insole's roster position + 1, set at "
                    "enrolment (0: none, the random schedule; docs/PROTOCOL.md 8.3)"),
    "PAIR_SIDE": (0, 0, 2, "side", "0: no pair (single insole); 1: left (struck, pairlink.SIDE_LEFT), 2: right "
                  "(striking, owns the pair's person alarms); set at enrolment (docs/PAIR.md)"),
    "PAIR_PEER_ID": (0, 0, 0xFFFFFFFE, "device id", "the other insole's pseudonymous id (protocol.Keys.device_id; "
                     "0: none); set at enrolment with PAIR_SIDE"),
}


def validate(values):
    """Return (Config, edge dict) for ``values``; raise ValueError naming the field."""
    if not isinstance(values, dict):
        raise ValueError("config: expected an object of name -> integer")
    core = {}
    edge = {}
    for k in EDGE_FIELDS:
        edge[k] = EDGE_FIELDS[k][0]
    for k in values:
        v = values[k]
        if k in EDGE_FIELDS:
            row = EDGE_FIELDS[k]
            if type(v) is not int:
                raise ValueError("config: %s must be an integer, got %r" % (k, v))
            if v < row[1] or v > row[2]:
                raise ValueError("config: %s=%d outside %d..%d %s" % (k, v, row[1], row[2], row[3]))
            edge[k] = v
        else:
            core[k] = v
    if edge["LORA_BW_KHZ"] not in (125, 250, 500):
        raise ValueError("config: LORA_BW_KHZ must be 125, 250 or 500")
    if (edge["PAIR_SIDE"] == 0) != (edge["PAIR_PEER_ID"] == 0):
        raise ValueError("config: PAIR_SIDE and PAIR_PEER_ID are set together (both 0: no pair)")
    return Config.from_dict(core), edge


def _canonical(values):
    keys = sorted(values)
    return ",".join("%s=%d" % (k, values[k]) for k in keys).encode()


class ConfigStore:
    def __init__(self, path):
        self.path = path
        self.source = "defaults"  # where load() found the values

    def load(self):
        """The stored values (dict), or {} (defaults) when nothing valid is stored."""
        for p in (self.path, self.path + ".old"):
            try:
                with open(p) as f:
                    doc = json.loads(f.read())
                values = doc["values"]
                if doc["crc"] != crc16(_canonical(values)):
                    continue
                validate(values)
            except (OSError, ValueError, KeyError, TypeError):
                continue
            self.source = p
            return values
        self.source = "defaults"
        return {}

    def save(self, values):
        """Validate and persist ``values``; raise ValueError (and keep the old file) if bad."""
        validate(values)
        text = json.dumps({"crc": crc16(_canonical(values)), "values": values})
        new = self.path + ".new"
        with open(new, "w") as f:
            f.write(text)
        try:
            os.rename(self.path, self.path + ".old")
        except OSError:
            pass  # first save
        os.rename(new, self.path)

