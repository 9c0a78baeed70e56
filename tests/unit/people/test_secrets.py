"""How strong a chosen password or PIN must be, and what the app makes (issue 15)."""
from __future__ import annotations

import pytest

from app.people.secrets import new_badge_code, new_password, new_pin, password_problem, pin_problem


@pytest.mark.parametrize("password", ["short1!", "password1", "12345678", "aaaaaaaa1", "abcdefghij", "hana-2024-x"])
def test_weak_passwords_are_refused(password):
    assert password_problem(password, login="hana") is not None


@pytest.mark.parametrize("password", ["sora-iro-42", "mori no ki 7", "K7mq4x9p2rta", "緑茶とコーヒー2杯"])
def test_good_passwords_pass(password):
    assert password_problem(password, login="hana") is None


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "１２３４", "0000", "1234", "9876", "567890"])
def test_weak_or_malformed_pins_are_refused(pin):
    assert pin_problem(pin) is not None


@pytest.mark.parametrize("pin", ["4826", "7395", "05181", "20261201"])
def test_good_pins_pass(pin):
    assert pin_problem(pin) is None


def test_what_the_app_makes_passes_its_own_rules():
    for _ in range(200):
        assert password_problem(new_password(), login="x") is None
        assert pin_problem(new_pin()) is None
        code = new_badge_code()
        assert code.startswith("ZU-") and len(code) == 9 and all(ch.isascii() and ch.isalnum() and not ch.islower()
                                                                for ch in code[3:])
    assert len({new_password() for _ in range(50)}) == 50
