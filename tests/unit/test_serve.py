"""`make run`'s listeners: gunicorn command lines, a self-signed certificate for localhost and the LAN addresses."""
from __future__ import annotations

import ipaddress

from cryptography import x509

from app.serve import ensure_certificate, gunicorn_command, hosts_to_open, is_loopback, lan_addresses, server_commands


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


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_the_https_listener_is_a_separate_gunicorn_with_the_certificate(tmp_path):
    http, https = server_commands("0.0.0.0", 8000, 8443, 2, tmp_path, ["192.168.1.23"])
    assert option(http, "--bind") == "0.0.0.0:8000" and "--certfile" not in http
    assert option(https, "--bind") == "0.0.0.0:8443"
    assert option(https, "--certfile") == str(tmp_path / "tls" / "cert.pem")
    assert option(https, "--keyfile") == str(tmp_path / "tls" / "key.pem")
    assert http[-1] == https[-1] == "app:create_app()"
    assert option(http, "--workers") == option(https, "--workers") == "2"


def test_each_gunicorn_has_its_own_control_socket_in_the_instance_folder(tmp_path):
    http, https = server_commands("127.0.0.1", 8000, 8443, 1, tmp_path, [])
    sockets = {option(http, "--control-socket"), option(https, "--control-socket")}
    assert sockets == {str(tmp_path / "gunicorn-http.ctl"), str(tmp_path / "gunicorn-https.ctl")}


def test_without_https_there_is_one_gunicorn(tmp_path):
    (http,) = server_commands("127.0.0.1", 8000, 0, 1, tmp_path, [])
    assert option(http, "--control-socket") == str(tmp_path / "gunicorn-http.ctl")
    assert not (tmp_path / "tls").exists()


def test_a_control_socket_path_too_long_for_a_unix_socket_turns_the_control_socket_off(tmp_path):
    command = gunicorn_command("127.0.0.1:8000", 1, tmp_path / ("x" * 120) / "gunicorn-http.ctl")
    assert "--no-control-socket" in command and "--control-socket" not in command


def test_the_addresses_printed_are_the_ones_that_answer():
    assert hosts_to_open("0.0.0.0", ["192.168.1.23"]) == ["localhost", "192.168.1.23"]
    assert hosts_to_open("127.0.0.1", ["192.168.1.23"]) == ["localhost"]
    assert hosts_to_open("192.168.1.23", ["192.168.1.23", "10.0.0.5"]) == ["192.168.1.23"]
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and not is_loopback("0.0.0.0")
