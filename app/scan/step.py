"""The server side of the scan step: every scan is answered once.

A floor form posts `code` and a fresh `scan_id`. The first time a scan_id arrives, its
step runs and the rendered answer is stored in a scan record in the same transaction as
whatever the step changed; a replay (double Enter, a retry after a timeout, the back
button) gets the stored answer and changes nothing, even for steps that move no stock.

A step handler returns an `Answer`, or raises `ScanRefused` carrying one: then everything
it wrote is rolled back, and only the refusal is recorded and shown (HTTP 422, swapped by
htmx so the person sees why).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.database import upsert_insert, write_transaction
from app.extensions import db
from app.scan.models import ScanRecord
from app.web import error_page, is_htmx, new_scan_id

SCAN_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_CODE_LENGTH = 500


@dataclass(frozen=True)
class Answer:
    """What a step answers: the partial that replaces #step, and the feedback result."""

    template: str
    context: dict = field(default_factory=dict)
    result: str = "ok"
    status: int = 200

    @classmethod
    def refusal(cls, template: str, context: dict) -> Answer:
        return cls(template, context, "error", 422)

    def render(self) -> Markup:
        return Markup(render_template(self.template, result=self.result, **self.context))


class ScanRefused(Exception):
    """Raised by a step to refuse a scan: its writes roll back, the answer is still shown."""

    def __init__(self, answer: Answer):
        super().__init__(answer.result)
        self.answer = answer


@dataclass(frozen=True)
class Step:
    """A scan step a photo may be decoded for: its name, handler and full page."""

    name: str
    handle: Callable[[str], Answer]
    page: str | None = None


STEPS: dict[str, Step] = {}


def register_step(endpoint: str, step: Step) -> None:
    """Make the scan step at `endpoint` reachable from the camera's photo path too."""
    STEPS[endpoint] = step


def answer_registered(endpoint: str, code: str | None = None):
    step = STEPS[endpoint]
    return answer_scan(step.name, step.handle, page=step.page, code=code)


@dataclass(frozen=True)
class Stored:
    status: int
    body: str


def answer_scan(step: str, handle: Callable[[str], Answer], page: str | None = None, code: str | None = None,
                **page_context):
    """Answer the scan in the current request through `handle(code)`, exactly once per scan_id.

    `code` defaults to the form's; the photo path passes the decoded text. htmx requests get
    the partial; a plain form post (no JavaScript) gets `page` with the answer in its step.
    """
    scan_id = request.form.get("scan_id", "")
    if not SCAN_ID.match(scan_id):
        scan_id = new_scan_id()  # no id from the page: answer, but nothing to deduplicate against
    code = (request.form.get("code", "") if code is None else code)[:MAX_CODE_LENGTH]
    return _respond(_first_answer(step, scan_id, code, handle), page, page_context)


def _previous_answer(scan_id: str) -> Stored | None:
    row = db.session.execute(
        select(ScanRecord.user_id, ScanRecord.response_status, ScanRecord.response_body)
        .where(ScanRecord.scan_id == scan_id)
    ).one_or_none()
    if row is None or row.response_body is None:
        return None
    if row.user_id != current_user.id:
        return Stored(409, "")
    return Stored(row.response_status, row.response_body)


def _first_answer(step: str, scan_id: str, code: str, handle: Callable[[str], Answer]) -> Stored:
    """Claim the scan_id and answer it; a scan_id claimed before gets its stored answer."""
    try:
        with write_transaction() as session:
            if not _claim(session, scan_id, step, code):
                return _stored_or_conflict(scan_id)
            answer = handle(code)
            return _record(session, scan_id, answer)
    except ScanRefused as refused:
        with write_transaction() as session:
            if not _claim(session, scan_id, step, code):
                return _stored_or_conflict(scan_id)
            return _record(session, scan_id, refused.answer)


def _claim(session: Session, scan_id: str, step: str, code: str) -> bool:
    stmt = (
        upsert_insert(session, ScanRecord.__table__)
        .values(scan_id=scan_id, user_id=current_user.id, step=step, code=code[:200])
        .on_conflict_do_nothing(index_elements=["scan_id"])
        .returning(ScanRecord.__table__.c.id)
    )
    return session.execute(stmt).scalar_one_or_none() is not None


def _record(session: Session, scan_id: str, answer: Answer) -> Stored:
    body = str(answer.render())
    session.execute(
        update(ScanRecord.__table__)
        .where(ScanRecord.__table__.c.scan_id == scan_id)
        .values(result=answer.result, response_status=answer.status, response_body=body)
    )
    return Stored(answer.status, body)


def _stored_or_conflict(scan_id: str) -> Stored:
    return _previous_answer(scan_id) or Stored(409, "")


def _respond(stored: Stored, page: str | None, page_context: dict):
    if stored.status == 409 and not stored.body:
        return error_page(409, _("Already sent"), _("This scan was already sent from another session. Scan again."))
    if is_htmx() or page is None:
        response = make_response(stored.body, stored.status)
    else:
        response = make_response(render_template(page, step_html=Markup(stored.body), **page_context), stored.status)
    response.headers["Cache-Control"] = "no-store"
    return response
