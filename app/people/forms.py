"""What the people forms send, read into the service's terms (shape only; the rules are the service's)."""
from __future__ import annotations

import unicodedata

from werkzeug.datastructures import MultiDict

from app.auth.models import Role
from app.people.service import Filters, SecretChoice, SecretMode, UserDraft, UserState

MAX_TEXT = 200


def text(form: MultiDict, name: str, limit: int = MAX_TEXT) -> str:
    return unicodedata.normalize("NFKC", form.get(name, "") or "").strip()[:limit]


def secret(form: MultiDict, name: str) -> str:
    """A password or PIN as typed: never normalised or trimmed (spaces count), but bounded."""
    return (form.get(name, "") or "")[:MAX_TEXT]


def user_draft(form: MultiDict) -> UserDraft:
    roles = frozenset(Role(value) for value in form.getlist("roles") if value in Role._value2member_map_)
    ids = tuple(dict.fromkeys(int(v) for v in form.getlist("warehouses") if v.isascii() and v.isdigit() and len(v) < 10))
    return UserDraft(login=text(form, "login", 80), name=text(form, "name", 120), roles=roles, warehouse_ids=ids,
                     all_warehouses=form.get("all_warehouses") == "1")


def secret_choice(form: MultiDict, prefix: str) -> SecretChoice:
    """`<prefix>_mode` (make, typed, none) and the typed `<prefix>`; no mode sent is no choice (none)."""
    mode = form.get(f"{prefix}_mode", "")
    chosen = SecretMode(mode) if mode in SecretMode._value2member_map_ else SecretMode.NONE
    return SecretChoice(chosen, secret(form, prefix) if chosen is SecretMode.TYPED else "")


def filters(args: MultiDict) -> Filters:
    role = args.get("role", "")
    state = args.get("state", "")
    warehouse = args.get("warehouse", "")
    return Filters(
        query=text(args, "q", 60),
        role=Role(role) if role in Role._value2member_map_ else None,
        state=UserState(state) if state in UserState._value2member_map_ else UserState.ACTIVE,
        warehouse_id=int(warehouse) if warehouse.isascii() and warehouse.isdigit() and len(warehouse) < 10 else None,
    )


__all__ = ["user_draft", "secret_choice", "filters", "text", "secret"]
