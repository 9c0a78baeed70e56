"""Helpers shared by fixtures and tests."""
from __future__ import annotations

import os
import re
from html.parser import HTMLParser
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


class _TextOf(HTMLParser):
    def __init__(self, element_id: str | None):
        super().__init__()
        self.element_id, self.depth, self.parts = element_id, 0 if element_id else 1, []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += tag not in VOID_TAGS
        elif dict(attrs).get("id") == self.element_id and tag not in VOID_TAGS:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and self.element_id:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


VOID_TAGS = {"input", "br", "img", "meta", "link", "hr", "source", "area", "col", "embed", "wbr"}


def text_of(html: str, element_id: str | None = None) -> str:
    """The text a person reads in `html` (or in its element with that id), whitespace collapsed."""
    parser = _TextOf(element_id)
    parser.feed(html)
    return " ".join("".join(parser.parts).split())
