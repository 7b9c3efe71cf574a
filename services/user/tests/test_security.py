"""Password hashing is bounded: so many hashes at once, so many requests waiting for one."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator

import pytest

from tests.factories import PASSWORD
from tests.helpers import TOKEN_URL, assert_problem, make_app
from user_service.security import EXTENSION, HashSlots, PasswordHashingBusy


@pytest.fixture
def occupy() -> Iterator:
    """``occupy(slots)``: one hash running in ``slots`` until the test ends."""
    release = threading.Event()
    holders: list[threading.Thread] = []

    def start(slots: HashSlots) -> None:
        running = threading.Event()

        def hash_work() -> None:
            running.set()
            release.wait(30)

        holder = threading.Thread(target=slots.run, args=(hash_work,))
        holder.start()
        holders.append(holder)
        assert running.wait(10)

    yield start
    release.set()
    for holder in holders:
        holder.join()


def test_a_request_beyond_the_admitted_ones_is_refused_at_once(occupy):
    slots = HashSlots(running=1, admitted=1)
    occupy(slots)
    ran = []
    with pytest.raises(PasswordHashingBusy):
        slots.run(ran.append, "hash")
    assert ran == []


def test_a_request_that_waits_for_a_slot_in_vain_is_refused(occupy):
    slots = HashSlots(running=1, admitted=2)
    occupy(slots)
    with pytest.raises(PasswordHashingBusy):
        slots.run(lambda: "hash")  # admitted, then no slot within HASH_SLOT_WAIT_SECONDS


def test_a_free_slot_runs_the_hash_and_gives_its_result():
    assert HashSlots(running=1, admitted=1).run(str.upper, "hash") == "HASH"


def test_hashes_run_nicer_than_the_requests():
    """argon2's lane threads start from the hashing thread and inherit its niceness (on Linux,
    where niceness is per thread; elsewhere it is the process's, and left alone)."""
    own = os.getpriority(os.PRIO_PROCESS, 0)
    hashing = HashSlots(running=1, admitted=1).run(os.getpriority, os.PRIO_PROCESS, 0)
    assert hashing == (min(own + 10, 19) if sys.platform == "linux" else own)
    assert os.getpriority(os.PRIO_PROCESS, 0) == own


def test_a_login_that_finds_every_slot_busy_is_a_503_to_come_back_to(settings, user, occupy):
    """One password check at once and two threads: the second login is refused at once, so
    the second thread stays free for everything else."""
    app = make_app(settings.model_copy(update={"password_hash_concurrency": 1, "gunicorn_threads": 2}))
    occupy(app.extensions[EXTENSION].hash_slots)
    form = {"grant_type": "password", "username": user.username, "password": PASSWORD}
    response = app.test_client().post(TOKEN_URL, data=form)
    problem = assert_problem(response, 503, "busy")
    assert problem["detail"] == "Too many password checks at once; try again shortly."
    assert response.headers["Retry-After"] == "1"
