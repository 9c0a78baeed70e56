"""`make run`: serve the app on the LAN with gunicorn, over HTTP and HTTPS.

Phones need a secure context for live camera scanning, so a second gunicorn serves HTTPS
with a self-signed certificate made on first run (one gunicorn applies its certificate to
every bind, hence two). Each gunicorn has its own control socket in the instance folder
(`gunicornc -s instance/gunicorn-http.ctl …`). Prints the addresses a phone on the same
network can open; `--host 127.0.0.1` keeps the server to this machine.

Beside the servers runs the webhook worker (`flask webhooks deliver`): it pushes each change of
availability to the sales channels' webhooks and writes the day's date-driven changes. It is
restarted if it stops; it never holds up the servers (`--no-webhooks` leaves it out).
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from app.config import instance_path

MAX_UNIX_SOCKET_PATH = 107  # bytes in sockaddr_un.sun_path (108 on Linux) less the final NUL
EVERY_INTERFACE = ("0.0.0.0", "::", "")


def lan_addresses() -> list[str]:
    """IPv4 addresses of this machine other than loopback (best effort, no packets sent)."""
    found: list[str] = []
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        found.append(probe.getsockname()[0])
    except OSError:
        pass
    finally:
        probe.close()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(info[4][0])
    except OSError:
        pass
    return [a for a in dict.fromkeys(found) if not ipaddress.ip_address(a).is_loopback]


def ensure_certificate(folder: Path, addresses: list[str]) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and the LAN addresses, kept under instance/tls/.

    Made again when a LAN address is missing from it (the phone would refuse the name).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    wanted = {"127.0.0.1", *addresses}
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        have = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
        if wanted <= have and cert.not_valid_after_utc > datetime.now(timezone.utc) + timedelta(days=7):
            return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tana local"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tana")])
    now = datetime.now(timezone.utc)
    alt_names = [x509.DNSName("localhost")] + [x509.IPAddress(ipaddress.ip_address(a)) for a in sorted(wanted)]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(key_fd, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def control_socket_options(path: Path) -> list[str]:
    """gunicorn's control socket (for `gunicornc`) at `path`, or none where a Unix socket cannot live there.

    Each gunicorn started here gets its own: gunicorn's default path is one per user, and a
    second server would take it over from the first (and remove it when it stops).
    """
    if len(os.fsencode(path)) > MAX_UNIX_SOCKET_PATH:
        return ["--no-control-socket"]
    return ["--control-socket", str(path)]


def gunicorn_command(bind: str, workers: int, control_socket: Path, extra: Sequence[str] = ()) -> list[str]:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    return [gunicorn, "--workers", str(workers), "--bind", bind, "--access-logfile", "-", "--forwarded-allow-ips",
            "127.0.0.1", *control_socket_options(control_socket), *extra, "app:create_app()"]


def server_commands(host: str, port: int, https_port: int, workers: int, folder: Path,
                    addresses: list[str]) -> list[list[str]]:
    """The gunicorn command lines: HTTP, and HTTPS unless `https_port` is 0, each with its own control socket."""
    commands = [gunicorn_command(f"{host}:{port}", workers, folder / "gunicorn-http.ctl")]
    if https_port:
        cert, key = ensure_certificate(folder / "tls", addresses)
        commands.append(gunicorn_command(f"{host}:{https_port}", workers, folder / "gunicorn-https.ctl",
                                         ["--certfile", str(cert), "--keyfile", str(key)]))
    return commands


def worker_command() -> list[str]:
    """The webhook worker, run beside the servers (app.api.worker)."""
    return [str(Path(sys.executable).with_name("flask")), "--app", "app", "webhooks", "deliver"]


def hosts_to_open(host: str, addresses: list[str]) -> list[str]:
    """The names a browser can use: this machine and its LAN addresses when listening on every interface."""
    if host in EVERY_INTERFACE:
        return ["localhost", *addresses]
    return ["localhost"] if is_loopback(host) else [host]


def is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="0.0.0.0", help="0.0.0.0: every interface; 127.0.0.1: this machine only")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--https-port", type=int, default=8443, help="0 turns HTTPS off")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--no-webhooks", action="store_true", help="do not run the webhook worker beside the servers")
    args = parser.parse_args(argv)

    addresses = lan_addresses()
    commands = server_commands(args.host, args.port, args.https_port, args.workers, instance_path(), addresses)
    hosts = hosts_to_open(args.host, addresses)

    local = is_loopback(args.host)
    where = "this machine" if local else "this machine or a phone on the same network"
    print(f"\n棚 tana is starting. Open it on {where}:")
    for host in hosts:
        print(f"  http://{host}:{args.port}/")
        if args.https_port:
            print(f"  https://{host}:{args.https_port}/   (camera scanning; accept the self-signed certificate once)")
    if not local:
        print(f"Listening on {args.host}: anyone on this network can reach it (and log in with the demo passwords). "
              "Only this machine: make run HOST=127.0.0.1")
    print("Stop with Ctrl+C.\n", flush=True)

    children = [subprocess.Popen(cmd) for cmd in commands]
    helper = [None if args.no_webhooks else subprocess.Popen(worker_command())]
    stopping = []

    def stop(_signum=None, _frame=None):
        stopping.append(True)
        for child in [*children, *helper]:
            if child is not None and child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(child.poll() is None for child in children):
            try:
                children[0].wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
            if helper[0] is not None and helper[0].poll() is not None and not stopping:
                print("webhook worker stopped; starting it again", file=sys.stderr, flush=True)
                helper[0] = subprocess.Popen(worker_command())
    finally:
        stop()
        for child in [*children, *helper]:
            if child is not None:
                child.wait()
    return next((child.returncode for child in children if child.returncode and child.returncode > 0), 0)


if __name__ == "__main__":
    sys.exit(main())
