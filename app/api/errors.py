"""One error shape for every answer of the JSON API that is not a success:

    {"error": {"code": "invalid_request", "message": "…", "fields": [{"path": "lines[0].quantity", …}]}}

`code` is stable for programs; `message` is English for people; `fields` names where in the
request each problem is (`lines[0].quantity` in the body, `query.limit`, `path.sku`).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from app.masterdata.errors import ImportRefused, RowError


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    type: str | None = None

    def as_json(self) -> dict:
        found = {"path": self.path, "message": self.message}
        if self.type:
            found["type"] = self.type
        return found


@dataclass(eq=False)
class ApiError(Exception):
    status: int
    code: str
    message: str
    fields: Sequence[Problem] = field(default_factory=tuple)

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": [p.as_json() for p in self.fields]}}


STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    406: "not_acceptable", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid_request", 429: "too_many_requests", 500: "server_error", 503: "unavailable",
}


def for_status(status: int, message: str | None = None) -> ApiError:
    code = STATUS_CODES.get(status, "bad_request" if status < 500 else "server_error")
    return ApiError(status, code, message or code.replace("_", " "))


def path_of(location: Iterable[object], prefix: str = "") -> str:
    """pydantic's location ('lines', 0, 'quantity') as `lines[0].quantity` (with `prefix.` if given)."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part not in ("", "__root__"):
            text += ("." if text else "") + str(part)
    if prefix:
        return f"{prefix}.{text}" if text else prefix
    return text


def from_validation(error: ValidationError, prefix: str = "") -> ApiError:
    problems = tuple(Problem(path_of(item["loc"], prefix), item["msg"], item["type"]) for item in error.errors())
    return ApiError(422, "invalid_request", _count(problems), problems)


def from_refusal(refused: ImportRefused, paths) -> ApiError:
    """An import's row-numbered problems with the request's paths: `paths(error)` names each one."""
    problems = tuple(Problem(paths(error), str(error.message)) for error in refused.errors)
    return ApiError(422, "invalid_request", _count(problems), problems)


def line_path(collection: str, first_row: int = 1):
    """Names a RowError of a list the service numbered from `first_row`: `lines[0].quantity`."""
    def name(error: RowError) -> str:
        where = collection if error.row is None else f"{collection}[{error.row - first_row}]"
        return f"{where}.{error.field}" if error.field else where
    return name


def _count(problems: Sequence[Problem]) -> str:
    return "1 problem in the request" if len(problems) == 1 else f"{len(problems)} problems in the request"


__all__ = ["Problem", "ApiError", "STATUS_CODES", "for_status", "path_of", "from_validation", "from_refusal",
           "line_path"]
