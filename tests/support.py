"""Helpers shared by fixtures and tests."""
from __future__ import annotations

import os
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
