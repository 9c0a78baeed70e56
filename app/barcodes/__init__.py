"""Barcodes: what a scan is (`resolve`), GS1 element strings, check digits, clean input.

Photo decoding lives in `app.barcodes.decode` and is imported from there, so that resolving a
typed scan never loads the image libraries.
"""
from app.barcodes.checkdigit import GtinFormat, check_digit, gtin_format, gtin_spellings, is_valid_gtin, is_valid_sscc
from app.barcodes.gs1 import Gs1Data, Gs1Refusal, parse_framed, parse_unframed
from app.barcodes.normalize import MAX_SCAN_LENGTH, Refused, normalize_scan
from app.barcodes.reasons import Reason
from app.barcodes.resolve import (
    Catalog, DatabaseCatalog, location_code_in, product_gtin_spellings, product_hit_of, resolve, resolve_with,
)
from app.barcodes.results import (
    RESULT_TYPES,
    BadgeHit,
    DocumentKind,
    DocumentRef,
    Gs1Hit,
    LocationHit,
    LotHit,
    ProductHit,
    Resolved,
    Unresolved,
)

__all__ = [
    "resolve", "resolve_with", "location_code_in", "product_gtin_spellings", "product_hit_of", "Catalog",
    "DatabaseCatalog",
    "Resolved", "RESULT_TYPES", "ProductHit", "LocationHit", "LotHit", "Gs1Hit", "BadgeHit", "DocumentRef",
    "DocumentKind", "Unresolved", "Reason",
    "normalize_scan", "Refused", "MAX_SCAN_LENGTH",
    "Gs1Data", "Gs1Refusal", "parse_framed", "parse_unframed",
    "GtinFormat", "check_digit", "gtin_format", "gtin_spellings", "is_valid_gtin", "is_valid_sscc",
]
