"""The people rules under concurrency (issue 15): two admins demoting or deactivating each other at
the same moment leave one admin, on both databases."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, func, select

from app.auth.models import Role, User, UserRole
from app.database import write_transaction
from app.extensions import db
from app.people import service
from app.people.errors import PersonRefused
from app.people.service import UserDraft
from tests import factories as f

ROUNDS = 4


def active_admins(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(User).where(
        User.active.is_(True), User.id.in_(select(UserRole.user_id).where(UserRole.role == Role.ADMIN))))


def retire_every_admin(session) -> None:
    """A test's clean-up between rounds, past the rule (not a path of the app)."""
    with write_transaction(session):
        session.execute(delete(UserRole).where(UserRole.role == Role.ADMIN))


def at_once(app, jobs) -> list[str]:
    """Run each job(session) in its own thread and session, released together; what each did."""
    barrier = threading.Barrier(len(jobs))
    results: list[str] = [""] * len(jobs)

    def run(index: int, job) -> None:
        with app.app_context():
            db.session.execute(select(1)).all()
            db.session.rollback()
            barrier.wait()
            try:
                job(db.session)
                results[index] = "done"
            except PersonRefused as refused:
                results[index] = "refused:" + ",".join(refused.errors)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def removal(how: str, actor: User, target: User):
    # read here, in the test's thread: the users belong to the test's session (expired by its rollback),
    # and touching them in a worker thread would reload them through that session from several threads
    actor_id, target_id, target_login = actor.id, target.id, target.login

    def job(session):
        if how == "demote":
            draft = UserDraft(target_login, "x", frozenset({Role.PICKER}), (), True)
            service.update_user(session, target_id, draft, actor_id=actor_id)
        else:
            service.deactivate_user(session, target_id, actor_id=actor_id)
    return job


@pytest.mark.parametrize("how", ["demote", "deactivate"])
def test_two_admins_removing_each_other_at_once_leave_one_admin(app, session, how):
    for round_no in range(ROUNDS):
        retire_every_admin(session)
        first = f.user(session, Role.ADMIN, login=f"first{round_no}")
        second = f.user(session, Role.ADMIN, login=f"second{round_no}")
        assert active_admins(session) == 2
        results = at_once(app, [removal(how, first, second), removal(how, second, first)])
        assert sorted(r.split(":")[0] for r in results) == ["done", "refused"], results
        assert active_admins(session) == 1
