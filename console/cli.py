"""``soleguard gateway``: the supervisor console, live or scripted.

Modes:
  interactive  (default) web console on --web (127.0.0.1:8080; sign in with
               the one-time link printed on loopback, or an account made
               with --add-user; TLS off loopback) + a one-line
               text log of every event on the terminal
  --json       one JSON event per line on stdout (ids only, no names unless
               --names), for integration
  one-shot     --ack ID | --evacuate | --all-clear | --roll-call: connect,
               act, wait for the insoles' confirmations (--wait s), exit 0 if
               every insole confirmed, 1 if not (the missing are listed),
               2 if the order was refused (nothing sent)
  --bench-mqtt end-to-end latencies through an MQTT broker (--sim only)
Errors in the roster or key file: one line naming file and line, exit 2,
nothing sent.
"""
import getpass
import json
import os
import signal
import socket
import sys
import tempfile
import threading
import time

import click

from soleguard.core.config import Config

from . import keyfile, roster as roster_mod
from .console import ActionError, Console


class InputError(click.ClickException):
    """A roster or key file that cannot be used: one line, exit 2, nothing sent."""

    exit_code = 2


def _hostport(text, default_host="127.0.0.1", default_port=None, what="--web"):
    """(host, port) of HOST:PORT, [IPv6]:PORT, [IPv6], HOST or PORT."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ("" if not rest else "?")
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    elif text.isdigit():
        host, port = "", text
    else:
        host, port = text, ""
    host = host or default_host
    try:
        p = int(port) if port else default_port
        if p is None or not 0 < p < 65536:
            raise ValueError
    except ValueError:
        raise click.BadParameter("%r: HOST:PORT or PORT expected" % text, param_hint=what)
    return host, p


def _default_state_dir():
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "soleguard-console")


@click.command("gateway", short_help="Supervisor console: live alarms, acknowledge, evacuate, roll call.")
@click.option("--serial", "serial_port", metavar="PORT", help="gateway on this serial port (e.g. /dev/ttyACM0)")
@click.option("--sim", is_flag=True, help="attach to the team simulation's gateway (firmware gateway role, simulated LoRa)")
@click.option("--insoles", default=5, show_default=True, type=click.IntRange(1, 500), help="--sim: simulated insoles")
@click.option("--loss", default=0.0, show_default=True, type=click.FloatRange(0, 0.9), help="--sim: frame loss")
@click.option("--speed", default=1.0, show_default=True, type=click.FloatRange(0.1, 100), help="--sim: simulated time x real time")
@click.option("--seed", default=1, show_default=True, type=int, help="--sim: random seed")
@click.option("--script", type=click.Choice(["demo"]), default=None,
              help="--sim: make things happen on the insoles (demo: a fall, a pre-alarm cancelled by getting up, "
                   "a silent SOS, each through the firmware app; the supervisor's part is yours)")
@click.option("--roster", "roster_path", type=click.Path(dir_okay=False), help="CSV/JSON roster: id -> person (local only)")
@click.option("--key-file", type=click.Path(dir_okay=False), help="team key file (JSON: site, team, key)")
@click.option("--site-key-file", multiple=True, type=click.Path(dir_okay=False),
              help="key files of the site's other teams (site-wide evacuation over MQTT); repeatable")
@click.option("--operator", default=None, help="who is at the console (audit log; default: login name)")
@click.option("--web", "web_addr", default=None, metavar="HOST:PORT", help="web console address (default 127.0.0.1:8080)")
@click.option("--no-web", is_flag=True, help="no web console")
@click.option("--web-cert", type=click.Path(dir_okay=False), help="TLS certificate (PEM) of the web console off loopback [self-signed, made on first run]")
@click.option("--web-key", type=click.Path(dir_okay=False), help="its private key (PEM)")
@click.option("--web-name", multiple=True, help="further host name the web console is reached by (Host check, certificate); repeatable")
@click.option("--add-user", metavar="NAME", help="create or replace a web console account (asks for its password) and exit")
@click.option("--role", type=click.Choice(["operator", "osh", "viewer", "admin"]), default=None, help="--add-user: its role")
@click.option("--allow-names", is_flag=True, help="--add-user --role osh: may see names in the history")
@click.option("--remove-user", metavar="NAME", help="remove a web console account and exit")
@click.option("--mqtt", "mqtt_addr", default=None, metavar="HOST:PORT", help="MQTT broker to bridge to")
@click.option("--mqtt-ca", type=click.Path(dir_okay=False), help="--mqtt over TLS: the CA certificate (PEM) that signed the broker's")
@click.option("--mqtt-cert", type=click.Path(dir_okay=False), help="--mqtt: client certificate (PEM), with --mqtt-key")
@click.option("--mqtt-key", type=click.Path(dir_okay=False), help="--mqtt: client certificate's private key (PEM)")
@click.option("--mqtt-user", default=None, help="--mqtt: broker user name")
@click.option("--mqtt-password-file", type=click.Path(dir_okay=False), help="--mqtt: file holding the broker password (first line)")
@click.option("--json", "as_json", is_flag=True, help="JSON event stream on stdout")
@click.option("--names", is_flag=True, help="--json: add roster names (keep the stream on this machine)")
@click.option("--ack", "ack_id", metavar="ID", help="one-shot: acknowledge the alarm of insole ID (hex id or roster name)")
@click.option("--evacuate", is_flag=True, help="one-shot: order an evacuation")
@click.option("--point", default=0, type=click.IntRange(0, 255), help="--evacuate: assembly point")
@click.option("--site-wide", is_flag=True, help="--evacuate: every team of the site (--site-key-file)")
@click.option("--all-clear", is_flag=True, help="one-shot: all clear")
@click.option("--roll-call", is_flag=True, help="one-shot: roll call")
@click.option("--wait", "wait_s", default=90.0, show_default=True, type=float, help="one-shot: seconds to wait for confirmations (answers are spread over 20 s; a lost one is resent 20-30 s later)")
@click.option("--duration", default=None, type=float, help="stop after this many seconds")
@click.option("--state-dir", default=None, help="counter, open alarms and audit log folder "
              "[~/.local/state/soleguard-console; with --sim a fresh temporary folder, as the simulated team is new]")
@click.option("--heartbeat-window", default=660, show_default=True, type=click.IntRange(1),
              help="seconds without a frame before an insole is 'not heard from'")
@click.option("--generate-key", type=click.Path(dir_okay=False), help="write a new key file here (with --team, --site) and exit")
@click.option("--team", default=None, type=click.IntRange(0, 0xFFFF), help="--generate-key: team id")
@click.option("--site", default="site", help="--generate-key: site name")
@click.option("--bench-mqtt", is_flag=True, help="measure alarm/order latencies through MQTT (--sim)")
def gateway(**o):
    """Supervisor console: live alarms, acknowledge, evacuate, roll call; web, JSON, MQTT.

    Manual: docs/CONSOLE.md. One-shot orders exit 0 when every insole
    confirmed within --wait, 1 if some did not (listed), 2 if refused.

    \b
    Examples:
      soleguard gateway --sim --insoles 5     # web console: http://127.0.0.1:8080/
      soleguard gateway --sim --script demo   # the same, with the demo's alarms
      soleguard gateway --serial /dev/ttyACM0 --key-file team7.key \\
          --roster team7.csv
      soleguard gateway --sim --evacuate --json
    """
    if o["generate_key"]:
        if o["team"] is None:
            raise click.UsageError("--generate-key needs --team")
        try:
            tk = keyfile.write_new(o["generate_key"], o["team"], o["site"])
        except (keyfile.KeyFileError, OSError) as e:
            raise click.ClickException(str(e))
        click.echo("wrote %s (site %s, team %d, %d-byte key); copy it to the insoles at enrolment only"
                   % (o["generate_key"], tk.site, tk.team, len(tk.key)))
        return
    if o["add_user"] or o["remove_user"]:
        return _accounts(o)
    if bool(o["serial_port"]) == bool(o["sim"]):
        raise click.UsageError("give one of --serial PORT or --sim")
    if o["bench_mqtt"]:
        if not o["sim"]:
            raise click.UsageError("--bench-mqtt runs on --sim")
        from .bench import bench_mqtt

        from tqdm import tqdm

        report = bench_mqtt(o["insoles"], _hostport(o["mqtt_addr"], what="--mqtt") if o["mqtt_addr"] else None,
                            seed=o["seed"], loss=o["loss"], log=lambda m: click.echo(m, err=True),
                            progress=lambda it, what, total: tqdm(it, desc=what, total=total, file=sys.stderr,
                                                                  leave=False))
        click.echo(json.dumps(report, indent=1) if o["as_json"] else "\n".join("%-42s %s" % kv for kv in _flat(report)))
        return
    sys.exit(_run(o))


def _accounts(o):
    from . import auth

    try:
        users = auth.Users(o["state_dir"] or _default_state_dir())
        if o["remove_user"]:
            users.remove(o["remove_user"])
            click.echo("removed account %s (%s)" % (o["remove_user"], users.path))
            return
        if not o["role"]:
            raise click.UsageError("--add-user needs --role (operator, osh, viewer or admin)")
        pw = click.prompt("password for %s" % o["add_user"], hide_input=True, confirmation_prompt=True, err=True)
        users.add(o["add_user"], o["role"], pw, names=o["allow_names"])
    except (auth.AuthError, ValueError, OSError) as e:
        raise InputError(str(e))
    click.echo("account %s (%s) written to %s" % (o["add_user"], o["role"], users.path))


def _flat(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from _flat(v, prefix + k + ".")
        else:
            yield prefix + k, v


def _load(o):
    """(team key, roster, transport factory, sim team or None)."""
    team = None
    try:
        if o["sim"]:
            from .simlink import SimTeam

            team = SimTeam(o["insoles"], o["loss"], o["seed"], o["speed"])
            tk = keyfile.load(o["key_file"]) if o["key_file"] else team.team_key()
            factory = team.connect
        else:
            if not o["key_file"] or not o["roster_path"]:
                raise click.UsageError("--serial needs --key-file and --roster")
            tk = keyfile.load(o["key_file"])
            from .link import serial_factory

            factory = serial_factory(o["serial_port"])
        from soleguard.core.protocol import Keys

        ros = roster_mod.load(o["roster_path"], Keys(tk.key)) if o["roster_path"] else team.roster()
        extra = [keyfile.load(p) for p in o["site_key_file"]]
    except (keyfile.KeyFileError, roster_mod.RosterError) as e:
        raise InputError(str(e))
    if team is not None and o["roster_path"]:  # the simulated insoles enrolled as the roster says
        unknown = team.enrol(ros)
        simulated = {s.id for s in team.insoles}
        on_sim = sum(1 for i in ros.ids() if i in simulated)
        if unknown or on_sim < len(ros):
            click.echo("warning: roster %s: %d of its %d insoles are simulated; %d simulated insoles are not on it "
                       "(those answer without a slot; without --roster the console uses the simulation's own)"
                       % (o["roster_path"], on_sim, len(ros), unknown), err=True)
    return tk, ros, factory, team, extra


def _run(o):
    tk, ros, factory, team, extra = _load(o)
    operator = o["operator"] or getpass.getuser()
    if o["script"] and not o["sim"]:
        raise click.UsageError("--script runs on --sim")
    if o["script"] and o["insoles"] < 3:
        raise click.UsageError("--script demo needs --insoles 3 or more")
    state_dir = o["state_dir"] or (tempfile.mkdtemp(prefix="soleguard-sim-") if o["sim"] else _default_state_dir())
    one_shot = [k for k in ("ack_id", "evacuate", "all_clear", "roll_call") if o[k]]
    if len(one_shot) > 1:
        raise click.UsageError("one one-shot command at a time")
    try:
        con = Console(tk, ros, state_dir, operator, factory, console_hw=socket.gethostname().encode(),
                      heartbeat_window_ms=o["heartbeat_window"] * 1000,
                      repeat_s=2.5 / (team.speed if team else 1.0))
    except (ValueError, OSError) as e:  # corrupted counter or alarm file, unwritable state folder
        raise InputError(str(e))
    out_lock = threading.Lock()

    def emit(e):
        with out_lock:
            if o["as_json"]:
                if o["names"] and e.get("insole"):
                    e = dict(e, name=ros.label(int(e["insole"], 16)))
                sys.stdout.write(json.dumps(e) + "\n")
            elif e["event"] != "heartbeat":
                who = " " + ros.label(int(e["insole"], 16)) if e.get("insole") else ""
                extra_txt = " ".join("%s=%s" % (k, v) for k, v in e.items()
                                     if k not in ("event", "t_ms", "insole", "site", "team", "counter"))
                sys.stdout.write("%s %s%s %s\n" % (time.strftime("%H:%M:%S"), e["event"], who, extra_txt))
            sys.stdout.flush()

    con.add_listener(emit)
    if team:
        team.start()
    con.start()
    bridge = web = None
    try:
        if o["mqtt_addr"]:
            from .mqtt import MqttBridge

            h, p = _hostport(o["mqtt_addr"], default_port=8883 if o["mqtt_ca"] else 1883, what="--mqtt")
            password = None
            if o["mqtt_password_file"]:
                try:
                    with open(o["mqtt_password_file"], encoding="utf-8") as f:
                        password = f.readline().rstrip("\r\n")
                except OSError as e:
                    raise InputError("--mqtt-password-file: %s" % e)

            def mqtt_status(e):
                e = dict(e, t_ms=con.now_ms())
                if o["as_json"]:
                    emit(e)
                else:
                    click.echo("mqtt: %s" % ("connected to %s" % e["broker"] if e["connected"] else e["error"]), err=True)

            bridge = MqttBridge(con, h, p, extra_keys=extra, ca=o["mqtt_ca"], cert=o["mqtt_cert"], key=o["mqtt_key"],
                                username=o["mqtt_user"], password=password, on_status=mqtt_status).start()
        if not (o["no_web"] or o["as_json"] or one_shot) or o["web_addr"]:
            web = _web(con, o, state_dir, bridge)
        if o["script"]:
            _start_script(con, team, o["speed"])
        if one_shot:
            return _one_shot(con, o, one_shot[0])
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        try:
            stop.wait(o["duration"])
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            return 130  # Ctrl-C (soleguard --help: exit status)
        return 0
    finally:
        if web:
            web.stop()
        if bridge:
            bridge.stop()
        con.stop()
        if team:
            team.stop()


def _web(con, o, state_dir, bridge):
    """Start the web console: plain HTTP and a one-time sign-in link on
    loopback; TLS and accounts (at least one) anywhere else."""
    from . import auth
    from .web import WebServer, ensure_cert, is_loopback

    h, p = _hostport(o["web_addr"] or "127.0.0.1:8080", default_port=8080)
    cert = None
    try:
        if not is_loopback(h):
            if not len(auth.Users(state_dir)):
                raise InputError("no web console account yet: create the admin first with "
                                 "'soleguard gateway --add-user NAME --role admin' (same --state-dir)")
            if o["web_cert"] and o["web_key"]:
                cert = (o["web_cert"], o["web_key"])
            else:
                names = [h] + list(o["web_name"]) if h not in ("0.0.0.0", "::") else [socket.gethostname()] + list(o["web_name"])
                cert_p, key_p, fp = ensure_cert(state_dir, names)
                cert = (cert_p, key_p)
                click.echo("web console TLS certificate %s (self-signed), SHA-256 %s: compare it with what the "
                           "browser shows on first visit" % (cert_p, fp), err=True)
        web = WebServer(con, h, p, state_dir, cert, o["web_name"], bridge).start()
    except (RuntimeError, OSError, ValueError) as e:
        raise click.ClickException("web console on %s: %s (another console on that port? use --web HOST:PORT)"
                                   % (o["web_addr"] or "127.0.0.1:8080", e))
    click.echo("web console: %s" % web.url, err=True)
    if cert is None:
        click.echo("sign in (once, within %d min, as %s, operator): %s"
                   % (auth.ONE_TIME_S // 60, con.operator, web.sign_in_link(con.operator)), err=True)
    return web


def _start_script(con, team, speed):
    """``--script demo``: the story's insole events (console/story.py), narrated on stderr."""
    from soleguard_sim.demo import DATASETS

    from .story import DemoScript

    end = time.monotonic() + 10
    while not con.link.connected and time.monotonic() < end:
        time.sleep(0.05)
    say = lambda m: click.echo(m, err=True)  # noqa: E731
    say("script demo at %g x real time: a fall at once (its alarm after the %d s pre-alarm), a pre-alarm cancelled, "
        "a silent SOS; acknowledge and evacuate on the web page" % (speed, Config().PRE_ALARM_MS // 1000))
    DemoScript(team, DATASETS, say).schedule()


def _one_shot(con, o, cmd):
    end = time.monotonic() + o["wait_s"]

    def wait_for(cond):
        while time.monotonic() < end:
            if cond():
                return True
            time.sleep(0.05)
        return cond()

    if cmd == "ack_id":
        try:
            insole = con.resolve(o["ack_id"])  # unknown insole: refused before anything is sent
        except ActionError as e:
            click.echo("error: %s (nothing sent)" % e, err=True)
            return 2
    if not wait_for(lambda: con.link.connected):
        click.echo("error: gateway not connected within %.0f s (nothing sent): %s"
                   % (o["wait_s"], con.state.link.get("error")), err=True)
        return 2
    try:
        if cmd == "ack_id":
            if not con.state.active_alarms(insole) and not o["as_json"]:
                click.echo("no open alarm from %s yet: waiting up to %.0f s for one (--wait) before "
                           "acknowledging" % (o["ack_id"], max(0, end - time.monotonic())), err=True)
            wait_for(lambda: con.state.active_alarms(insole))  # none by then: refused below (audited), exit 2
            res = con.acknowledge(o["ack_id"])
            wait_for(lambda: all(al.ack and al.ack["sent_ms"] for al in con.state.alarms.values() if al.insole == insole))
            click.echo(json.dumps(dict(res, result="acknowledged")) if o["as_json"] else "acknowledged %s" % o["ack_id"])
            return 0
        if cmd == "all_clear":
            ev, bc = con.state.evacuation, con.state.clearing
            running = ev is not None and (ev.ended_ms is None or (bc is not None and bc.id == ev.id and bc.missing()))
            res = con.all_clear()  # (an all-clear not yet confirmed by everyone is sent again and waited for)
            if not running:  # nothing this console knows of to confirm: the all-clear of every order, its sends
                wait_for(con.all_clear_sent)
                if o["as_json"]:
                    click.echo(json.dumps(dict(res, result="all_clear", confirmed=0, expected=0, missing=[])))
                else:
                    click.echo("all clear sent (order %d): no running evacuation is known to this console (state "
                               "folder %s), so there is nobody to wait for" % (res["order"], o["state_dir"] or "a new temporary one"))
                return 0
        else:
            res = con.evacuate(point=o["point"], scope="site" if o["site_wide"] else "team") if cmd == "evacuate" \
                else con.roll_call()
    except ActionError as e:
        click.echo("error: %s" % e, err=True)
        return 2
    bc = {"evacuate": con.state.evacuation, "roll_call": con.state.roll_call, "all_clear": con.state.clearing}[cmd]
    if not o["as_json"]:
        click.echo("%s %d sent: waiting up to %.0f s (--wait) for %d insoles to confirm"
                   % (cmd.replace("_", " "), bc.id, max(0, end - time.monotonic()), len(bc.expected)), err=True)
    wait_for(lambda: not bc.missing())
    missing = [con.roster.label(i) for i in bc.missing()]
    confirmed = sum(1 for i in bc.expected if i in bc.answers)  # of the roster's insoles
    others = len(bc.answers) - confirmed  # answers from insoles not on the roster
    summary = {"result": cmd, "id": bc.id, "confirmed": confirmed, "expected": len(bc.expected),
               "missing": ["%08x" % i for i in bc.missing()], "not_on_roster": others}
    if o["as_json"]:
        click.echo(json.dumps(summary))
    else:
        click.echo("%s %d: %d of %d confirmed%s%s" % (cmd.replace("_", " "), bc.id, confirmed, len(bc.expected),
                                                     "; not yet: " + ", ".join(missing) if missing else "",
                                                     "; %d answers from insoles not on the roster" % others
                                                     if others else ""))
    return 1 if missing else 0
