"""Where a redirect may send someone back to: a path on this site, nothing else.

Every `next` a form or a link carries (after login, the language switch, a row action of the
office lists) goes through `local_path`, so an address someone else wrote can only bring the
person back inside tana.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

MAX_PATH = 2000


def local_path(target: str | None, fallback: str) -> str:
    """`target` when it is a path of this site (`/…`), else `fallback`.

    A browser drops tabs and line breaks from an address and reads a backslash as a slash, so
    `/\\t/evil.example/` or `/\\evil.example` would lead to another site: any control, space or
    backslash refuses the target rather than being cleaned out of it.
    """
    if not target or len(target) > MAX_PATH or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(unicodedata.category(char)[0] in "CZ" for char in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target
