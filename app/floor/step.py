"""The scan step every floor workflow shares: a scan is answered once, by the view it was sent to.

A floor form posts `code` (or a photo, `image`) and a fresh `scan_id`. Its view checks what
it checks for any request (role, warehouse, document) and hands the scan to the kit with the
workflow's step function and what that step needs:

    return answer_scan("receive", partial(steps.receive, receipt_id=receipt_id))

The kit reads the code (decoding a photo the same way for every view, so a photo never
skips a check a typed scan gets), runs the step in one unit of work and stores the rendered
answer under the scan_id in the same transaction. The scan record is written last: if the
same scan_id was answered meanwhile (a double Enter, a retry after a timeout, the back
button), its insert finds the first record, everything this run wrote is rolled back and
the first answer is returned. A step that refuses raises a `FloorRefusal` or `StockError`
(the answer is the feedback alone: the step the person sees stays as it is) or
`ScanRefused` with a whole step to show; either way its writes roll back and only the
refusal is recorded (HTTP 422, swapped by htmx so the person sees why).

Steps see a `Scan`, never Flask's request: what was scanned, the step form's other fields,
who and in which warehouse.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from flask import abort, current_app, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.stock.warehouses import WarehouseRef
from app.database import dialect_insert, write_transaction
from app.extensions import db
from app.floor.models import ScanRecord
from app.floor.refusals import FloorRefusal, NotHere
from app.shell.context import current_warehouse
from app.stock.errors import StockError
from app.timeutil import utcnow
from app.shell.web import error_page, is_htmx

SCAN_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_CODE_LENGTH = 500
MAX_NUMBER_DIGITS = 9  # ids and counts are 32-bit integers
NOT_A_FIELD = frozenset({"csrf_token", "scan_id", "code"})
REFUSED = "floor/_refused.html"
RETRY_HEADER = "X-Scan-Retry"


def new_scan_id() -> str:
    """A fresh id for one scan form; the browser makes its own for every scan it sends."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class Scan:
    """One scan as a step sees it."""

    code: str
    scan_id: str
    user_id: int
    warehouse: WarehouseRef
    fields: Mapping[str, str] = field(default_factory=dict)

    def field(self, name: str) -> str:
        """A field of the step form, stripped; "" when absent."""
        return (self.fields.get(name) or "").strip()

    def number(self, name: str) -> int | None:
        """A whole-number field the page itself wrote (an id, a count): None unless plain digits
        that fit the database's integers (an edited page may send anything)."""
        value = self.field(name)
        return int(value) if value.isascii() and value.isdigit() and len(value) <= MAX_NUMBER_DIGITS else None

    def said_yes(self) -> bool:
        """The person tapped the confirming button of an "are you sure?" step."""
        return self.field("confirm") == "1"


@dataclass(frozen=True)
class Answer:
    """What a step answers: a template (the partial that replaces #step, or the feedback alone)
    with its context, and the feedback result: ok, question, confirm or error."""

    template: str
    context: dict = field(default_factory=dict)
    result: str = "ok"
    status: int = 200

    @classmethod
    def ok(cls, template: str, **context) -> Answer:
        return cls(template, context, "ok")

    @classmethod
    def question(cls, template: str, **context) -> Answer:
        """Asks for a missing value (lot, expiry, serial, quantity, which one): nothing was done yet."""
        return cls(template, context, "question")

    @classmethod
    def confirm(cls, template: str, **context) -> Answer:
        """Asks "are you sure?": nothing is done until the person says yes."""
        return cls(template, context, "confirm")

    @classmethod
    def refusal(cls, template: str, **context) -> Answer:
        return cls(template, context, "error", 422)

    @classmethod
    def idle(cls, template: str, **context) -> Answer:
        """The step as a page first shows it, before any scan."""
        return cls(template, context, "")

    def render(self) -> Markup:
        return Markup(render_template(self.template, result=self.result, **self.context))


class ScanRefused(Exception):
    """Raised by a step to refuse a scan with a whole step to show; its writes roll back."""

    def __init__(self, answer: Answer):
        super().__init__(answer.result)
        self.answer = answer


Step = Callable[[Scan], Answer]


@dataclass(frozen=True)
class Stored:
    status: int
    body: str


class _AlreadyAnswered(Exception):
    """The scan_id was recorded by another request first: roll back, show the first answer."""


def answer_scan(step: str, handle: Step, *, page: str | None = None, **page_context):
    """Answer the scan of this request with `handle`, exactly once per scan_id (module docstring).

    htmx requests get the answer's partial; a plain form post (no JavaScript) gets `page`
    with the answer as its step, when the view names one.
    """
    warehouse = current_warehouse()
    if warehouse is None:
        return error_page(422, _("No warehouse"), _("You have no warehouse yet. Ask an administrator to give you one."))
    code, photo_problem = _scanned_code()
    if photo_problem is not None:
        return photo_problem
    scan = Scan(code, _scan_id(), current_user.id, warehouse,
                {name: value for name, value in request.form.items() if name not in NOT_A_FIELD})
    try:
        stored = _answer_once(step, scan, handle)
    except NotHere:
        abort(404)
    return _respond(stored, page, page_context)


def _scan_id() -> str:
    scan_id = request.form.get("scan_id", "")
    return scan_id if SCAN_ID.fullmatch(scan_id) else new_scan_id()  # no id from the page: nothing to deduplicate


def _scanned_code():
    """The typed code, or the text read from a photo (`image`); a photo that reads nothing is answered here."""
    upload = request.files.get("image")
    if upload is None:
        return request.form.get("code", "")[:MAX_CODE_LENGTH], None
    from app.floor.photos import read_photo

    text, problem = read_photo(upload, current_app.config["MAX_CONTENT_LENGTH"])
    if problem is not None:
        body, status = error_page(problem.status, _("Photo not read"), problem.message())
        headers = {"Retry-After": str(problem.retry_after)} if problem.retry_after else {}
        return "", (body, status, headers)
    return text[:MAX_CODE_LENGTH], None


def _answer_once(step: str, scan: Scan, handle: Step) -> Stored:
    if request.headers.get(RETRY_HEADER):
        stored = _stored_answer(scan)
        if stored is not None:
            return stored
    try:
        with write_transaction() as session:
            return _record(session, step, scan, handle(scan))
    except _AlreadyAnswered:
        return _stored_or_conflict(scan)
    except (FloorRefusal, StockError) as refusal:
        if isinstance(refusal, NotHere):
            raise
        return _record_refusal(step, scan, Answer.refusal(REFUSED, message=refusal.message()))
    except ScanRefused as refused:
        return _record_refusal(step, scan, refused.answer)


def _record_refusal(step: str, scan: Scan, answer: Answer) -> Stored:
    try:
        with write_transaction() as session:
            return _record(session, step, scan, answer)
    except _AlreadyAnswered:
        return _stored_or_conflict(scan)


def _record(session: Session, step: str, scan: Scan, answer: Answer) -> Stored:
    body = str(answer.render())
    claimed = session.execute(_claim_statement(session.get_bind().dialect.name), {
        "scan_id": scan.scan_id, "user_id": scan.user_id, "step": step, "code": scan.code[:200],
        "result": answer.result, "status": answer.status, "body": body, "now": utcnow(),
    }).scalar_one_or_none()
    if claimed is None:
        raise _AlreadyAnswered()
    return Stored(answer.status, body)


@lru_cache(maxsize=None)
def _claim_statement(dialect: str):
    table = ScanRecord.__table__
    return (
        dialect_insert(dialect, table)
        .values(scan_id=bindparam("scan_id"), user_id=bindparam("user_id"), step=bindparam("step"),
                code=bindparam("code"), result=bindparam("result"), response_status=bindparam("status"),
                response_body=bindparam("body"), created_at=bindparam("now", type_=table.c.created_at.type))
        .on_conflict_do_nothing(index_elements=["scan_id"])
        .returning(table.c.id)
    )


def _stored_answer(scan: Scan) -> Stored | None:
    row = db.session.execute(
        select(ScanRecord.user_id, ScanRecord.response_status, ScanRecord.response_body)
        .where(ScanRecord.scan_id == scan.scan_id)
    ).one_or_none()
    if row is None or row.response_body is None:
        return None
    if row.user_id != scan.user_id:
        return Stored(409, "")
    return Stored(row.response_status, row.response_body)


def _stored_or_conflict(scan: Scan) -> Stored:
    return _stored_answer(scan) or Stored(409, "")


def _respond(stored: Stored, page: str | None, page_context: dict):
    if stored.status == 409 and not stored.body:
        return error_page(409, _("Already sent"), _("This scan was already sent from another session. Scan again."))
    if is_htmx() or page is None:
        response = make_response(stored.body, stored.status)
    else:
        response = make_response(render_template(page, step_html=Markup(stored.body), **page_context), stored.status)
    response.headers["Cache-Control"] = "no-store"
    return response
