"""Re-vendor axe-core into tests/browser/vendor/axe-core/ (for the accessibility tests only).

    .venv/bin/python scripts/vendor_axe.py

Fetches the pinned npm package with `npm pack` (checked against the integrity recorded
below), copies the minified build and the licences, and writes VENDOR.md. No node_modules,
no build step. The app never serves these files: tests/browser/test_accessibility_browser.py
evaluates axe.min.js in the page through Playwright.
To upgrade: change the version, run once with --print-integrity, paste the new value.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "axe-core"
VERSION = "4.14.1"
INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
DEST = ROOT / "tests" / "browser" / "vendor" / "axe-core"
# (path inside the tarball, name in DEST)
FILES = [
    ("package/axe.min.js", "axe.min.js"),
    ("package/LICENSE", "LICENSE"),
    ("package/LICENSE-3RD-PARTY.txt", "LICENSE-3RD-PARTY.txt"),
]


def npm_pack(workdir: Path, check: bool = True) -> tarfile.TarFile | None:
    out = subprocess.run(
        ["npm", "pack", "--json", "--pack-destination", str(workdir), f"{PACKAGE}@{VERSION}"],
        check=True, capture_output=True, text=True,
    ).stdout
    (packed,) = json.loads(out)
    if not check:
        print(f'{packed["name"]}@{packed["version"]} {packed["integrity"]}')
        return None
    if packed["version"] != VERSION or packed["integrity"] != INTEGRITY:
        sys.exit(f"{packed['name']}@{packed['version']}: integrity {packed['integrity']} is not the pinned one")
    return tarfile.open(workdir / packed["filename"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print-integrity", action="store_true", help="print what npm reports and stop")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tarball = npm_pack(Path(tmp), check=not args.print_integrity)
        if tarball is None:
            return
        if DEST.exists():
            shutil.rmtree(DEST)
        DEST.mkdir(parents=True)
        for member, name in FILES:
            (DEST / name).write_bytes(tarball.extractfile(member).read())
    check_banner()
    write_notes()
    print(f"vendored into {DEST.relative_to(ROOT)}")


def check_banner() -> None:
    """The minified build names its own version in its first line: it must be the pinned one."""
    first_line = (DEST / "axe.min.js").read_text(encoding="utf-8").split("\n", 1)[0]
    if not re.fullmatch(rf"/\*! axe v{re.escape(VERSION)}\s*", first_line):
        sys.exit(f"axe.min.js starts with {first_line!r}, not the banner of axe v{VERSION}")


def write_notes() -> None:
    data = (DEST / "axe.min.js").read_bytes()
    text = f"""# Vendored: axe-core (accessibility tests only)

Used only by `tests/browser/test_accessibility_browser.py`, which evaluates `axe.min.js` in
each page through Playwright (DevTools evaluation is not subject to the page's CSP). The app
never serves it. Regenerate with `.venv/bin/python scripts/vendor_axe.py` (npm pack of the
exact version, checked against the pinned integrity; nothing else is fetched).

| npm package | version | licence | integrity |
|---|---|---|---|
| [{PACKAGE}](https://www.npmjs.com/package/{PACKAGE}) | {VERSION} | MPL-2.0, `LICENSE`; bundled third-party code: `LICENSE-3RD-PARTY.txt` | `{INTEGRITY}` |

| file | bytes | gzip -6 | sha256 |
|---|---:|---:|---|
| `axe.min.js` | {len(data):,} | {len(gzip.compress(data, 6)):,} | `{hashlib.sha256(data).hexdigest()}` |

Files come unchanged from the package (`axe.min.js`, `LICENSE`, `LICENSE-3RD-PARTY.txt`).
"""
    (DEST / "VENDOR.md").write_text(text)


if __name__ == "__main__":
    main()
