"""A unit of work that lost a race for a unique key runs again."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from app.masterdata.retry import retried_on_conflict


def conflict() -> IntegrityError:
    return IntegrityError("INSERT …", {}, Exception("duplicate key value violates unique constraint"))


def test_work_that_lost_a_race_once_runs_again_and_returns_its_result():
    calls = []

    def work():
        calls.append(1)
        if len(calls) == 1:
            raise conflict()
        return "done"

    assert retried_on_conflict(work) == "done" and len(calls) == 2


def test_work_that_keeps_failing_gives_up_after_three_attempts():
    calls = []

    def work():
        calls.append(1)
        raise conflict()

    with pytest.raises(IntegrityError):
        retried_on_conflict(work)
    assert len(calls) == 3
