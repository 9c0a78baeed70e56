"""Why a scan could not be resolved: one machine-readable word per cause."""
from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    CONTROL_CHARS = "control_chars"
    BAD_CHECK_DIGIT = "bad_check_digit"
    MALFORMED_GS1 = "malformed_gs1"
    AMBIGUOUS_GS1 = "ambiguous_gs1"
    MALFORMED_LABEL = "malformed_label"
    UNKNOWN_LOCATION = "unknown_location"
    OTHER_WAREHOUSE = "other_warehouse"
    UNKNOWN_BADGE = "unknown_badge"
    INACTIVE_BADGE = "inactive_badge"
    UNKNOWN_PRODUCT = "unknown_product"
    UNKNOWN = "unknown"


__all__ = ["Reason"]
