"""A private Mosquitto broker on a free loopback port (tests, --bench-mqtt).

Uses the Debian ``mosquitto`` binary with a configuration written to a
temporary folder: listener 127.0.0.1:<port>, anonymous clients, persistence
on (retained messages and QoS 1 sessions survive ``restart()``).

``SiteMosquitto`` runs the shipped site configuration instead
(``console/mosquitto/soleguard.conf`` and ``soleguard.acl``, paths and ports
moved to a temporary folder): TLS only, with a test CA, broker and client
certificates made with ``cryptography``, a password file made with
``mosquitto_passwd``, no anonymous client.
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
            f.write(self._config(persistence))
            f.write("log_dest file %s/mosquitto.log\n" % self.dir)
            if os.geteuid() == 0:
                f.write("user root\n")
        self.proc = None

    def _config(self, persistence):
        text = "listener %d 127.0.0.1\nallow_anonymous true\n" % self.port
        if persistence:
            text += "persistence true\npersistence_location %s/\nautosave_interval 1\n" % self.dir
        return text

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


SHIPPED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mosquitto")


def _pem_pair(subject_cn, issuer=None, ca=False, hosts=()):
    """(cert PEM, key PEM, cert, key): an ECDSA P-256 certificate for the tests,
    signed by ``issuer`` = (cert, key) or self-signed."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)])
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer[0].subject if issuer else name)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if hosts:
        sans = []
        for h in hosts:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(h)))
            except ValueError:
                sans.append(x509.DNSName(h))
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = b.sign(issuer[1] if issuer else key, hashes.SHA256())
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()), cert, key)


class SiteMosquitto(Mosquitto):
    """The shipped site broker configuration on loopback. ``port``: TLS +
    password; ``cert_port``: TLS + client certificate (CN = user name);
    ``ca``: the test CA file; ``client_cert(cn)`` -> (cert file, key file);
    ``passwords``: {user: password} of the ACL's accounts."""

    USERS = ("console-plant-7", "controlroom", "dispatcher", "intruder")

    def __init__(self):
        self.cert_port = free_port()
        self.passwords = {u: "pw-%s-%s" % (u, os.urandom(4).hex()) for u in self.USERS}
        super().__init__()

    def _config(self, persistence):
        d = self.dir
        ca_pem, ca_key_pem, self._ca_cert, self._ca_key = _pem_pair("soleguard test CA", ca=True)
        crt, key, _, _ = _pem_pair("broker", (self._ca_cert, self._ca_key), hosts=("127.0.0.1", "localhost"))
        os.makedirs(os.path.join(d, "certs"))
        for name, data in (("ca.crt", ca_pem), ("broker.crt", crt), ("broker.key", key)):
            with open(os.path.join(d, "certs", name), "wb") as f:
                f.write(data)
        self.ca = os.path.join(d, "certs", "ca.crt")
        pw = os.path.join(d, "soleguard.passwd")
        passwd = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
        for i, (u, p) in enumerate(self.passwords.items()):
            subprocess.run([passwd, "-b"] + (["-c"] if i == 0 else []) + [pw, u, p], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        shutil.copy(os.path.join(SHIPPED, "soleguard.acl"), os.path.join(d, "soleguard.acl"))
        with open(os.path.join(SHIPPED, "soleguard.conf"), encoding="utf-8") as f:
            text = f.read()
        for old, new in (("/etc/mosquitto/soleguard.passwd", pw), ("/etc/mosquitto/soleguard.acl", d + "/soleguard.acl"),
                         ("/etc/mosquitto/certs/", d + "/certs/"), ("/var/lib/mosquitto/", d + "/"),
                         ("listener 8883", "listener %d 127.0.0.1" % self.port),
                         ("listener 8884", "listener %d 127.0.0.1" % self.cert_port)):
            assert old in text, old
            text = text.replace(old, new)
        return text + "autosave_interval 1\n"

    def client_cert(self, cn):
        crt, key, _, _ = _pem_pair(cn, (self._ca_cert, self._ca_key))
        paths = (os.path.join(self.dir, "certs", cn + ".crt"), os.path.join(self.dir, "certs", cn + ".key"))
        for p, data in zip(paths, (crt, key)):
            with open(p, "wb") as f:
                f.write(data)
        return paths
