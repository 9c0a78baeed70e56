"""Request-scoped context every floor screen needs: the user's warehouses and the current one."""
from __future__ import annotations

from flask import g, session
from flask_login import current_user

from app.auth import service
from app.extensions import db
from app.stock.models import Warehouse


def accessible_warehouses() -> list[Warehouse]:
    if "tana_warehouses" not in g:
        g.tana_warehouses = service.accessible_warehouses(db.session, current_user) if current_user.is_authenticated else []
    return g.tana_warehouses


def current_warehouse() -> Warehouse | None:
    """The warehouse chosen in this session, else the user's first one."""
    warehouses = accessible_warehouses()
    chosen = session.get("warehouse_id")
    for warehouse in warehouses:
        if warehouse.id == chosen:
            return warehouse
    return warehouses[0] if warehouses else None
