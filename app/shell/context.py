"""Request-scoped context every screen needs: the user's warehouses and the current one."""
from __future__ import annotations

from flask import session
from flask_login import current_user

from app.stock.warehouses import WarehouseRef


def accessible_warehouses() -> tuple[WarehouseRef, ...]:
    return current_user.warehouses if current_user.is_authenticated else ()


def current_warehouse() -> WarehouseRef | None:
    """The warehouse chosen in this session, else the user's first one."""
    warehouses = accessible_warehouses()
    chosen = session.get("warehouse_id")
    for warehouse in warehouses:
        if warehouse.id == chosen:
            return warehouse
    return warehouses[0] if warehouses else None
