"""Helpers shared by fixtures and tests."""
from __future__ import annotations

import os
import re
from pathlib import Path

from app import create_app
from app.config import TestConfig


def build_app(url: str, instance_dir: Path, **overrides):
    os.environ["TANA_INSTANCE_PATH"] = str(instance_dir)
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    return create_app(config, **overrides)


def migrate_to_head(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path)
    match = CSRF_META.search(page.get_data(as_text=True))
    assert match, f"no csrf meta on {path}"
    return match.group(1)


def log_in(client, login: str, password: str = "pass-1234"):
    token = csrf_token(client)
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token})
