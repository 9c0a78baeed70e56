"""What the demo tells the person trying it: what was loaded, and the users' secrets."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.demo.counts import CountDemo
from app.demo.orders import DemoOrders
from app.demo.outbound import OutboundDemo
from app.demo.receipts import DemoReceipt


USERS_HEADING = "Users (login / password / badge / PIN / roles / warehouses):"


@dataclass(frozen=True)
class DemoUser:
    login: str
    name: str
    roles: tuple[str, ...]
    password: str
    badge_code: str
    pin: str
    warehouses: tuple[str, ...]
    all_warehouses: bool


@dataclass(frozen=True)
class DemoWarehouse:
    code: str
    name: str
    storage_locations: int
    empty_storage_locations: int
    other_locations: tuple[str, ...]
    units_on_hand: int


@dataclass(frozen=True)
class DemoCounts:
    """Rows after the load: `locations` are the real ones (no SUPPLIER, CUSTOMER, …), `quants` those holding stock."""

    locations: int
    storage_locations: int
    products: int
    kits: int
    lots: int
    quants: int
    moves: int


@dataclass(frozen=True)
class DemoSummary:
    """Everything the CLI prints after a load, including the users' secrets for trying the demo."""

    seed: int
    today: date
    warehouses: tuple[DemoWarehouse, ...]
    counts: DemoCounts
    users: tuple[DemoUser, ...]
    receipts: tuple[DemoReceipt, ...] = ()
    orders: DemoOrders = DemoOrders()
    outbound: OutboundDemo = OutboundDemo()
    cycle_counts: CountDemo = CountDemo()

    def lines(self) -> list[str]:
        """The summary as plain text lines, ready to print."""
        c = self.counts
        out = [f"Demo loaded (seed {self.seed}, today {self.today.isoformat()})", "Warehouses:"]
        for w in self.warehouses:
            out.append(
                f"  {w.code} {w.name}: {w.storage_locations} storage locations ({w.empty_storage_locations} empty), "
                f"{' '.join(w.other_locations)}; {w.units_on_hand} units on hand"
            )
        out.append(
            f"Locations {c.locations} (storage {c.storage_locations}), products {c.products} (kits {c.kits}), "
            f"lots {c.lots}, quants {c.quants}, moves {c.moves}"
        )
        out.append(USERS_HEADING)
        out.extend(user_line(u) for u in self.users)
        if self.receipts:
            out.append("Open receipts to try receiving (scan or type the code; GS1 labels can be typed as printed):")
            for r in self.receipts:
                out.append(f"  {r.warehouse} {r.code} {r.supplier}: {r.lines} lines, {r.units} units")
                out.extend(f"      GS1 label {label}" for label in r.labels)
        out.extend(self._order_lines())
        out.extend(self._outbound_lines())
        out.extend(self._count_lines())
        return out

    def _count_lines(self) -> list[str]:
        c = self.cycle_counts
        out = []
        if c.open_tasks:
            out.append(f"Cycle counts (棚卸し) to count: {_count(len(c.open_tasks), 'open task')} "
                       f"({', '.join(c.open_tasks)}); log in as picker1 and open 棚卸し")
        if c.waiting_for_review:
            out.append(f"Counts waiting for review with a variance (supervisor1: 棚卸しレビュー): "
                       f"{', '.join(c.waiting_for_review)}")
        if c.waiting_for_recount:
            out.append(f"Counts waiting for a recount by someone else: {', '.join(c.waiting_for_recount)}")
        if c.approved:
            out.append(f"Counts approved over the last weeks: {', '.join(c.approved)}; "
                       f"{c.discrepancies} discrepancies recorded (差異, KPI)")
        return out

    def _outbound_lines(self) -> list[str]:
        o = self.outbound
        out = []
        if o.waiting_for_packing:
            out.append("Picked, waiting at packing (scan the tote ZT-0901…): " + ", ".join(o.waiting_for_packing))
        if o.waiting_to_ship:
            out.append("Packed with a slip, waiting to ship: " + ", ".join(o.waiting_to_ship))
        if o.shipped:
            out.append("Shipped, to try a return: " + ", ".join(o.shipped))
        return out

    def _order_lines(self) -> list[str]:
        if not self.orders.orders:
            return []
        out = ["Open orders (受注) to allocate and pick; `flask --app app orders allocate` reserves the new ones:"]
        for o in self.orders.orders:
            out.append(f"  {o.code} {o.channel}: {_count(o.lines, 'line')}, {_count(o.units, 'unit')}"
                       + (f" ({o.note})" if o.note else ""))
        if self.orders.pick_list:
            who = self.orders.picker or "anyone"
            out.append(f"Pick list {self.orders.pick_list} waits for {who}: log in as {who} and tap 次のピッキング.")
        return out


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def user_line(user: DemoUser) -> str:
    """One row of the users table that `demo load` and `demo users` print."""
    where = "all" if user.all_warehouses else ",".join(user.warehouses)
    return (f"  {user.login:<12} {user.password:<17} {user.badge_code:<9}  {user.pin}  {'+'.join(user.roles):<16} "
            f"{where}")
