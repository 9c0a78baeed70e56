"""Every UI string has a Japanese and an English translation (make i18n lists what is missing)."""
from scripts.i18n import problems


def test_ja_and_en_catalogs_translate_every_ui_string():
    assert problems() == []
