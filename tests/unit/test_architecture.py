"""The layout rules of STYLE.md, checked on the source: a failing import here is a design error.

- No floor workflow package imports another; office packages import no floor workflow: what
  two share belongs to the floor kit (app/floor), the ledger (app/stock) or the package that
  owns the document (app/receipts, …).
- A workflow's steps and services never touch Flask's request (a step gets a `Scan`).
- The floor's refusals load nothing of the web layer.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
FLOOR_WORKFLOWS = {"receiving", "putaway", "lookup", "picking", "packing", "shipping", "returns", "counts"}
OFFICE = {"masterdata", "receipts", "orders", "supervisor", "api", "admin", "labels"}
WEB_LAYER = ("flask", "werkzeug", "htmx_flask", "flask_login", "app.shell")


def is_web(name: str, also: tuple[str, ...] = ()) -> bool:
    return any(name == root or name.startswith(root + ".") for root in WEB_LAYER + also)


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def forbidden_imports(root: Path = APP) -> list[str]:
    found = []
    for package in sorted(FLOOR_WORKFLOWS | OFFICE):
        for path in sorted((root / package).rglob("*.py")):
            for name in imports_of(path):
                parts = name.split(".")
                if len(parts) > 1 and parts[0] == "app" and parts[1] in FLOOR_WORKFLOWS and parts[1] != package:
                    found.append(f"{path.relative_to(root.parent)} imports {name}")
    return sorted(set(found))


def test_no_workflow_imports_another_and_no_office_screen_imports_a_workflow():
    assert forbidden_imports() == []


def test_the_import_check_would_catch_a_workflow_importing_another(tmp_path):
    fake = tmp_path / "app"
    (fake / "putaway").mkdir(parents=True)
    (fake / "putaway" / "steps.py").write_text("from app.receiving.errors import StalePage\n")
    assert forbidden_imports(fake) == ["app/putaway/steps.py imports app.receiving.errors",
                                       "app/putaway/steps.py imports app.receiving.errors.StalePage"]


@pytest.mark.parametrize("workflow", sorted(w for w in FLOOR_WORKFLOWS if (APP / w).is_dir()))
def test_steps_and_services_never_touch_the_request(workflow):
    for name in ("steps.py", "service.py", "errors.py"):
        path = APP / workflow / name
        if path.exists():
            touched = {n for n in imports_of(path) if is_web(n)}
            assert touched == set(), f"{path.name} of {workflow} imports {touched}"


def test_the_floor_refusals_and_fields_load_nothing_of_the_web_layer():
    for name in ("refusals.py", "fields.py"):
        touched = {n for n in imports_of(APP / "floor" / name) if is_web(n, also=("app.floor.step",))}
        assert touched == set()
