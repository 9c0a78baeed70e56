"""A photo of a barcode, read for the scan step: the camera fallback of every scan view."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from app.barcodes.decode import ImageRefused, decode
from app.floor.photo_slots import NoSlot, decode_slot


@dataclass(frozen=True)
class PhotoProblem:
    reason: str  # not_an_image, too_large, too_many_pixels, missing, nothing_found, busy
    status: int

    def message(self) -> str:
        return {
            "not_an_image": _("That file is not a photo. Take a photo of the barcode."),
            "too_large": _("The photo is too large. Take it again at a lower resolution."),
            "too_many_pixels": _("The photo has too many pixels. Take it again at a lower resolution."),
            "missing": _("No photo was sent."),
            "nothing_found": _("No barcode found in the photo. Hold the camera closer and steadier, then try again."),
            "busy": _("Other photos are being read just now: this one is sent again in a moment."),
        }[self.reason]

    @property
    def retry_after(self) -> int | None:
        """Seconds to wait before sending the photo again, when it was not read only for lack of time."""
        return RETRY_AFTER_SECONDS if self.reason == "busy" else None


RETRY_AFTER_SECONDS = 2


def read_codes(upload, max_bytes: int):
    """Every code read from an uploaded photo (a DecodeResult), or the problem with it."""
    if upload is None:
        return None, PhotoProblem("missing", 400)
    data = upload.read(max_bytes + 1)
    config = current_app.config
    try:
        with decode_slot(current_app.instance_path, config["PHOTO_DECODES_AT_ONCE"], config["PHOTO_SLOT_WAIT"]):
            return decode(data, max_bytes=max_bytes), None
    except NoSlot:
        return None, PhotoProblem("busy", 503)
    except ImageRefused as refused:
        return None, PhotoProblem(refused.reason, 422 if refused.reason == "not_an_image" else 413)


def read_photo(upload, max_bytes: int) -> tuple[str, PhotoProblem | None]:
    """The first code read from the photo, as the scan step takes it."""
    result, problem = read_codes(upload, max_bytes)
    if problem is not None:
        return "", problem
    if not result.codes:
        return "", PhotoProblem("nothing_found", 422)
    return result.codes[0].text, None
