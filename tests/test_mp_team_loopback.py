"""Three insoles as real MicroPython unix-port processes (firmware from .mpy) and
the gateway role on the host, exchanging frames over UDP on 127.0.0.1.

The host side is a lossless medium: every uplink datagram goes to
``gateway.Gateway`` (the firmware module, on CPython), every frame the
gateway transmits goes to every insole. A scripted console speaks the line
protocol to the gateway: once all three insoles registered it orders an
evacuation. Proves: insole 0's alarm goes out and is acknowledged (its outbox
empties), every insole vibrates for the order and its evac_ack reaches the
console. Bounded: the insoles stop by themselves after 15 s, the host waits
at most 25 s and then kills what is left.
"""
import select
import socket
import subprocess
import time

import pytest

from soleguard_sim.app import app_extras
from soleguard_sim.mpbuild import micropython_command, micropython_path
from soleguard.core import protocol as P
from soleguard.edges.gateway import Gateway

KEY = b"loopback-team-key-0123456789"
TEAM = 9
N = 3


def test_three_micropython_insoles_over_udp_loopback(tmp_path):
    try:
        micropython_path()
    except RuntimeError as e:
        pytest.skip(str(e))
    wd = tmp_path
    med = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    med.bind(("127.0.0.1", 0))
    port = med.getsockname()[1]
    keys = P.Keys(KEY)
    lines = []
    gw = Gateway(keys, TEAM, keys.device_id(b"gw"), P.TxCounter(P.MemoryStore()), P.MemoryStore(), lines.append)
    console = P.Encoder(keys, TEAM, keys.device_id(b"console"), P.TxCounter(P.MemoryStore()))
    up = P.Decoder(keys, TEAM, P.ReplayWindow(8), False)
    cmds = [micropython_command(["-m", "mpinsole", str(port), str(i), "15", "1" if i == 0 else "0"], "160K", wd,
                                app_extras()) for i in range(N)]
    procs = [subprocess.Popen(argv, env=env, cwd=str(wd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for argv, env in cmds]
    peers = {}
    evac_acks = set()
    alarm_seen = ordered = False
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < 25:
            now = int((time.monotonic() - t0) * 1000)
            r, _, _ = select.select([med], [], [], 0.01)
            if r:
                data, addr = med.recvfrom(256)
                if data.startswith(b"HELLO"):
                    peers[addr] = int(data.split()[1])
                else:
                    gw.on_uplink(data, len(data), now, "udp")
                    if up.decode(data) == P.OK:
                        alarm_seen |= up.type == P.T_ALARM
                        if up.type == P.T_EVAC_ACK:
                            evac_acks.add(up.sender)
            if len(peers) == N and alarm_seen and not ordered and now > 3000:
                n = console.encode(P.T_EVACUATE, 5, 2)
                gw.on_line("D " + bytes(console.mv[:n]).hex(), now)
                ordered = True
            out = gw.service(now)
            if out:
                for a in peers:
                    med.sendto(out[0], a)
            if len(evac_acks) == N and now > 8000:  # + time for the receipt acks of the evac_acks
                break
        for a in peers:
            med.sendto(b"QUIT", a)
        outs = [p.communicate(timeout=20) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        med.close()
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    assert alarm_seen and any(l.startswith("A ") for l in lines)
    assert outs[0][0].strip().splitlines()[-1] == "P 0"  # the alarm was acknowledged
    assert len(evac_acks) == N
    for out, _ in outs:
        assert any(l.startswith("V 5 ") for l in out.splitlines()), out
