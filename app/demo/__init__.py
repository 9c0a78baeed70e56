"""The demo warehouse behind `flask --app app demo load`, posted through the ledger.

`plan_demo()` (plan.py) decides everything from a seed (pure, no database): two warehouses
with their shelves in walking order, a Japanese EC catalogue of about 500 SKUs with valid GS1
codes (catalog.py), lots that are expired, inside the minimum shelf life or fresh, where each
lot is stored, and the demo users. `load_demo()` (load.py) writes that plan into an empty
database in one unit of work; all stock arrives as receipts posted with `ledger.post`, so
`verify(session)` is clean right after, a few receipts are left open to try receiving
(receipts.py), and open orders from several channels wait to be allocated and picked, two of
them already on a pick list for the demo picker (orders.py). The same seed and date give the same demo, so `demo_logins()` (users.py)
can tell the demo users' secrets again, checked against the database.
"""
from app.demo.load import DatabaseNotEmpty, database_is_empty, load_demo
from app.demo.plan import DEFAULT_SEED, LAYOUTS, DemoPlan, Layout, case_gtin14, plan_demo, storage_locations
from app.demo.summary import DemoCounts, DemoSummary, DemoUser, DemoWarehouse
from app.demo.users import DemoLogin, demo_logins, login_lines

__all__ = [
    "DEFAULT_SEED", "LAYOUTS", "DatabaseNotEmpty", "DemoCounts", "DemoPlan", "DemoSummary", "DemoUser",
    "DemoWarehouse", "DemoLogin", "Layout", "case_gtin14", "database_is_empty", "demo_logins", "load_demo",
    "login_lines", "plan_demo", "storage_locations",
]
