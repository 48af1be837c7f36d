"""A private Mosquitto broker on a free loopback port (tests, --bench-mqtt).

Uses the Debian ``mosquitto`` binary with a configuration written to a
temporary folder: listener 127.0.0.1:<port>, anonymous clients, persistence
on (retained messages and QoS 1 sessions survive ``restart()``).
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time


def find_binary():
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto") if os.access(p, os.X_OK)), None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mosquitto:
    """``start()``/``stop()``/``restart()``; ``port``; raises RuntimeError
    when the binary is missing or the broker does not come up in 5 s."""

    def __init__(self, port=None, persistence=True):
        self.binary = find_binary()
        if not self.binary:
            raise RuntimeError("mosquitto not found (Debian package 'mosquitto'; tools/setup.sh installs it as root)")
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="soleguard-mqtt-")
        self.conf = os.path.join(self.dir, "mosquitto.conf")
        with open(self.conf, "w") as f:
            f.write("listener %d 127.0.0.1\nallow_anonymous true\n" % self.port)
            if persistence:
                f.write("persistence true\npersistence_location %s/\nautosave_interval 1\n" % self.dir)
            f.write("log_dest file %s/mosquitto.log\n" % self.dir)
            if os.geteuid() == 0:
                f.write("user root\n")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([self.binary, "-c", self.conf], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        end = time.monotonic() + 5
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("mosquitto exited: %s" % self.proc.stderr.read().decode(errors="replace")[-400:])
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("mosquitto did not listen on 127.0.0.1:%d within 5 s" % self.port)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: mosquitto saves its persistence file
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
