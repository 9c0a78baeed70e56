"""`make run`'s HTTPS listener: a self-signed certificate for localhost and the LAN addresses."""
from __future__ import annotations

import ipaddress

from cryptography import x509

from app.serve import ensure_certificate, gunicorn_command, lan_addresses


def san_ips(path) -> set[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(ip) for ip in san.get_values_for_type(x509.IPAddress)} | set(san.get_values_for_type(x509.DNSName))


def test_the_certificate_names_localhost_and_the_lan_addresses(tmp_path):
    cert, key = ensure_certificate(tmp_path, ["192.168.1.23"])
    assert {"localhost", "127.0.0.1", "192.168.1.23"} <= san_ips(cert)
    assert key.stat().st_mode & 0o777 == 0o600


def test_the_certificate_is_kept_until_a_new_address_appears(tmp_path):
    cert, _ = ensure_certificate(tmp_path, ["192.168.1.23"])
    first = cert.read_bytes()
    assert ensure_certificate(tmp_path, ["192.168.1.23"])[0].read_bytes() == first
    ensure_certificate(tmp_path, ["10.0.0.5"])
    assert "10.0.0.5" in san_ips(cert)


def test_lan_addresses_are_real_non_loopback_ipv4():
    for address in lan_addresses():
        assert not ipaddress.ip_address(address).is_loopback


def test_the_https_listener_is_a_separate_gunicorn_with_the_certificate(tmp_path):
    command = gunicorn_command("0.0.0.0:8443", 2, ["--certfile", "c.pem", "--keyfile", "k.pem"])
    assert command[-1] == "app:create_app()" and "--certfile" in command and "0.0.0.0:8443" in command
