"""Re-vendor the live-camera BarcodeDetector polyfill into static/js/vendor/.

    .venv/bin/python scripts/vendor_camera.py

Fetches the pinned npm packages with `npm pack` (checked against the integrity recorded
below), copies the ES module build of barcode-detector (ponyfill entry + its one chunk) and
the ZXing reader .wasm, the licences, and writes VENDOR.md. No node_modules, no build step.
To upgrade: change the versions, run once with --print-integrity, paste the new values,
and point static/js/camera.js at the new folder.
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
PACKAGES = {
    "barcode-detector": (
        "3.2.2",
        "sha512-/4QOrrNrCRmDSBWiiP4aC72dnkuXUEdcFRidHgbPRXUpy82XcCMvJssI6fEs6JT42LS7DvBVZO70qasJbYKyrA==",
    ),
    "zxing-wasm": (
        "3.1.3",
        "sha512-3lC9BJk4fR5ZJxcGjb0hVnDFOW7KpLXHIebiBmVd4FDRQZVeObztoTKxRUPxlWwSgxrMRONK0u50hBD1aTYEKg==",
    ),
}
DEST = ROOT / "static" / "js" / "vendor" / f"barcode-detector-{PACKAGES['barcode-detector'][0]}"
# (package, path inside the tarball, name in DEST)
FILES = [
    ("barcode-detector", "package/dist/es/ponyfill.js", "ponyfill.js"),
    ("barcode-detector", "package/dist/es/zxing-exported.js", "zxing-exported.js"),
    ("zxing-wasm", "package/dist/reader/zxing_reader.wasm", "zxing_reader.wasm"),
    ("barcode-detector", "package/LICENSE", "LICENSE.barcode-detector"),
    ("zxing-wasm", "package/LICENSE", "LICENSE.zxing-wasm"),
]


def npm_pack(workdir: Path, check: bool = True) -> dict[str, tarfile.TarFile]:
    specs = [f"{name}@{version}" for name, (version, _) in PACKAGES.items()]
    out = subprocess.run(
        ["npm", "pack", "--json", "--pack-destination", str(workdir), *specs],
        check=True, capture_output=True, text=True,
    ).stdout
    tarballs = {}
    for packed in json.loads(out):
        version, integrity = PACKAGES[packed["name"]]
        if not check:
            print(f'{packed["name"]}@{packed["version"]} {packed["integrity"]}')
        elif packed["version"] != version or packed["integrity"] != integrity:
            sys.exit(f"{packed['name']}@{packed['version']}: integrity {packed['integrity']} is not the pinned one")
        tarballs[packed["name"]] = tarfile.open(workdir / packed["filename"])
    return tarballs


def zxing_cpp_licence() -> bytes | None:
    """zxing_reader.wasm is compiled zxing-cpp (Apache-2.0); its npm package ships no copy of
    that licence, so take it from the zxing-cpp Python wheel this project already installs."""
    for candidate in sorted((ROOT / ".venv").glob("lib/python*/site-packages/zxing_cpp-*.dist-info/licenses/LICENSE")):
        return candidate.read_bytes()
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print-integrity", action="store_true", help="print what npm reports and stop")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tarballs = npm_pack(Path(tmp), check=not args.print_integrity)
        if args.print_integrity:
            return
        manifest = json.load(tarballs["barcode-detector"].extractfile("package/package.json"))
        wanted = PACKAGES["zxing-wasm"][0]
        if manifest["dependencies"]["zxing-wasm"] != wanted:
            sys.exit(f"barcode-detector depends on zxing-wasm {manifest['dependencies']['zxing-wasm']}, not {wanted}")
        if DEST.exists():
            shutil.rmtree(DEST)
        DEST.mkdir(parents=True)
        for package, member, name in FILES:
            (DEST / name).write_bytes(tarballs[package].extractfile(member).read())
    licence = zxing_cpp_licence()
    if licence:
        (DEST / "LICENSE.zxing-cpp").write_bytes(licence)
    check_wasm_hash()
    write_notes(has_zxing_cpp_licence=bool(licence))
    print(f"vendored into {DEST.relative_to(ROOT)}")


def check_wasm_hash() -> None:
    """The chunk carries the SHA-256 of the .wasm it was built for: they must agree."""
    chunk = (DEST / "zxing-exported.js").read_text()
    wasm = hashlib.sha256((DEST / "zxing_reader.wasm").read_bytes()).hexdigest()
    if wasm not in chunk:
        sys.exit("zxing_reader.wasm does not match the SHA-256 recorded in zxing-exported.js")
    if not re.search(r'from "\./zxing-exported\.js"', (DEST / "ponyfill.js").read_text()):
        sys.exit("ponyfill.js no longer imports ./zxing-exported.js: check the package layout")


def write_notes(has_zxing_cpp_licence: bool) -> None:
    bd, zw = PACKAGES["barcode-detector"][0], PACKAGES["zxing-wasm"][0]
    rows = []
    for _, _, name in FILES[:3]:
        data = (DEST / name).read_bytes()
        rows.append(f"| `{name}` | {len(data):,} | {len(gzip.compress(data, 6)):,} | `{hashlib.sha256(data).hexdigest()}` |")
    zxing_cpp = ("`LICENSE.zxing-cpp` (Apache-2.0, copied from the zxing-cpp Python wheel's dist-info)"
                 if has_zxing_cpp_licence else "zxing-cpp's Apache-2.0 licence (not found: install the project's .venv first)")
    text = f"""# Vendored: BarcodeDetector polyfill (live camera scanning)

Loaded only by `static/js/camera.js`, only when the camera opens and the browser has no
usable native `BarcodeDetector` (Safari/iPhone, Firefox, desktop Chrome on Linux).
Regenerate with `.venv/bin/python scripts/vendor_camera.py` (npm pack of the exact versions,
checked against the pinned integrity; nothing else is fetched).

| npm package | version | licence | integrity |
|---|---|---|---|
| [barcode-detector](https://www.npmjs.com/package/barcode-detector) | {bd} | MIT, `LICENSE.barcode-detector` | `{PACKAGES['barcode-detector'][1]}` |
| [zxing-wasm](https://www.npmjs.com/package/zxing-wasm) (bundled into `zxing-exported.js`; `.wasm` from `dist/reader/`) | {zw} | MIT, `LICENSE.zxing-wasm` | `{PACKAGES['zxing-wasm'][1]}` |

`zxing_reader.wasm` is zxing-cpp compiled with Emscripten: {zxing_cpp}.

| file | bytes | gzip -6 | sha256 |
|---|---:|---:|---|
{chr(10).join(rows)}

Files come unchanged from `barcode-detector/dist/es/{{ponyfill,zxing-exported}}.js` and
`zxing-wasm/dist/reader/zxing_reader.wasm`. By default the package fetches the .wasm from
jsDelivr; camera.js overrides `locateFile` through `prepareZXingModule` so it comes from
this folder (the CSP allows no other origin anyway).
"""
    (DEST / "VENDOR.md").write_text(text)


if __name__ == "__main__":
    main()
