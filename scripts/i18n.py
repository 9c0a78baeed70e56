"""Translation catalogs: extract every UI string, update ja and en, check they are complete.

    python scripts/i18n.py update   # extract → app/translations/messages.pot, merge into ja/en, fill en
    python scripts/i18n.py check    # exit 1 listing every string without a translation
    python scripts/i18n.py compile  # .po → .mo (done by make before running or testing)

English msgids are the English text, so the en catalog is filled with msgid = msgstr;
Japanese must be written by a person (make i18n lists what is missing).
"""
from __future__ import annotations

import re
import sys
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
LOCALES = ("ja", "en")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "pgettext": ((1, "c"), 2)}
METHOD_MAP = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")


def extract() -> Catalog:
    catalog = Catalog(project="tana", charset="utf-8")
    options = {"templates/**.html": {"extensions": "jinja2.ext.do", "trimmed": "true"}}
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), METHOD_MAP, options_map=options, keywords=KEYWORDS, strip_comment_tags=True,
        directory_filter=_searched,
    ):
        if filename.startswith(("tests", ".venv", "benchmarks")):
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _searched(dirname: str) -> bool:
    """Every folder but hidden ones and caches; templates/_macros must be searched too."""
    name = Path(dirname).name
    return not name.startswith(".") and name not in {"__pycache__", "node_modules"}


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load(locale: str) -> Catalog:
    path = po_path(locale)
    if not path.exists():
        return Catalog(locale=locale, project="tana", charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def save(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = BytesIO()
    write_po(buffer, catalog, width=0, omit_header=False, sort_output=True)
    path.write_bytes(buffer.getvalue())


def update() -> None:
    template = extract()
    save(template, TRANSLATIONS / "messages.pot")
    for locale in LOCALES:
        catalog = load(locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if locale == "en":
            for message in catalog:
                if message.id and not _translated(message.string):
                    message.string = message.id
        save(catalog, po_path(locale))


def _translated(string) -> bool:
    return bool(string) and (not isinstance(string, tuple) or all(string))


def problems() -> list[str]:
    """Every extracted string missing, empty, fuzzy or with other placeholders, per locale."""
    template = extract()
    found = []
    for locale in LOCALES:
        catalog = load(locale)
        for message in template:
            if not message.id:
                continue
            translated = catalog.get(message.id, message.context)
            label = message.id if isinstance(message.id, str) else message.id[0]
            if translated is None or not _translated(translated.string):
                found.append(f"{locale}: untranslated: {label!r}")
            elif translated.fuzzy:
                found.append(f"{locale}: fuzzy: {label!r}")
            elif _placeholders(message.id) != _placeholders(translated.string):
                found.append(f"{locale}: placeholders differ: {label!r}")
    return found


def _placeholders(value) -> set[str]:
    texts = value if isinstance(value, tuple) else (value,)
    return {p for t in texts for p in PLACEHOLDER.findall(t)}


def compile_catalogs() -> None:
    for locale in LOCALES:
        catalog = load(locale)
        with (po_path(locale).with_suffix(".mo")).open("wb") as handle:
            write_mo(handle, catalog)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        update()
        command = "check"
    if command == "compile":
        compile_catalogs()
        return 0
    missing = problems()
    for line in missing:
        print(line)
    print(f"i18n: {len(missing)} problem(s)" if missing else "i18n: ja and en catalogs complete")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
