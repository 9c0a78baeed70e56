"""POST /scan/decode: read a barcode photo (the camera fallback of every scan step)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import MethodNotAllowed, NotFound

from app.auth.roles import Screen, screen_required
from app.scan.step import STEPS, answer_registered
from app.web import error_page, is_htmx

bp = Blueprint("scan", __name__)


def refusal_message(reason: str) -> str:
    return {
        "not_an_image": _("That file is not a photo. Take a photo of the barcode."),
        "too_large": _("The photo is too large. Take it again at a lower resolution."),
        "too_many_pixels": _("The photo has too many pixels. Take it again at a lower resolution."),
        "missing": _("No photo was sent."),
        "nothing_found": _("No barcode found in the photo. Hold the camera closer and steadier, then try again."),
        "no_step": _("This screen does not take photos."),
    }[reason]


@bp.post("/scan/decode")
@screen_required(Screen.SCAN_DECODE)
def decode_photo():
    from app.barcodes.decode import ImageRefused, decode

    upload = request.files.get("image")
    if upload is None:
        return _refused("missing", 400)
    try:
        result = decode(upload.read(current_app.config["MAX_CONTENT_LENGTH"] + 1))
    except ImageRefused as refused:
        return _refused(refused.reason, 413 if refused.reason != "not_an_image" else 422)
    if not is_htmx():
        return jsonify(results=[{"text": c.text, "symbology": c.symbology} for c in result.codes])
    if not result.codes:
        return _refused("nothing_found", 422)
    endpoint = _step_endpoint(request.form.get("step_action", ""))
    if endpoint is None:
        return _refused("no_step", 422)
    return answer_registered(endpoint, code=result.codes[0].text)


def _step_endpoint(path: str) -> str | None:
    """The registered scan step that `path` (the form's action) posts to, if any."""
    try:
        endpoint, _args = current_app.url_map.bind("localhost").match(path, method="POST")
    except (NotFound, MethodNotAllowed):
        return None
    return endpoint if endpoint in STEPS else None


def _refused(reason: str, status: int):
    if is_htmx():
        return error_page(status, _("Photo not read"), refusal_message(reason))
    return jsonify(error=reason, message=refusal_message(reason)), status
