"""POST /scan/decode: what a barcode photo reads, as JSON (for tools; floor screens send photos
to their own scan view, which reads them through the same kit)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from app.auth.roles import Screen, screen_required
from app.floor.photos import read_codes
from app.shell.web import answers_json

bp = Blueprint("floor", __name__)


@bp.post("/scan/decode")
@screen_required(Screen.SCAN_DECODE)
@answers_json
def decode_photo():
    result, problem = read_codes(request.files.get("image"), current_app.config["MAX_CONTENT_LENGTH"])
    if problem is not None:
        headers = {"Retry-After": str(problem.retry_after)} if problem.retry_after else {}
        return jsonify(error=problem.reason, message=problem.message()), problem.status, headers
    return jsonify(results=[{"text": c.text, "symbology": c.symbology} for c in result.codes])
