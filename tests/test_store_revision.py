"""The store revision counted in slots: each write adds exactly one, whichever slot it bumps."""

from __future__ import annotations

import threading

from sqlalchemy import text

from gis.store.db import REVISION_SLOTS


def _slots(store) -> dict[int, int]:  # type: ignore[no-untyped-def]
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, revision FROM store_revision")).all()
    return dict(rows)


def _count(store) -> int:  # type: ignore[no-untyped-def]
    return int(store.revision().rsplit(":", 1)[1])


def test_concurrent_writes_each_add_one_spread_over_slots(store) -> None:
    epoch = store.revision().split(":")[0]
    before, slots_before = _count(store), _slots(store)
    assert len(slots_before) == REVISION_SLOTS

    def writer() -> None:
        for _ in range(10):
            with store.write():
                pass

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.revision() == f"{epoch}:{before + 40}"
    slots_after = _slots(store)
    bumped = [slot for slot in slots_after if slots_after[slot] != slots_before[slot]]
    assert len(bumped) > 1  # 40 random picks of 16 slots: never all the same one
    assert sum(slots_after.values()) - sum(slots_before.values()) == 40


def test_writes_that_change_no_cached_answer_leave_it_alone(store) -> None:
    before = store.revision()
    with store.write(revision=False):
        pass
    assert store.revision() == before


def test_missing_slots_are_put_back_and_never_lose_a_bump(store) -> None:
    epoch, before = store.revision().split(":")[0], _count(store)
    with store.engine.begin() as connection:
        # Slot 1 keeps the whole count; the others are gone (a table emptied by hand).
        connection.execute(
            text("UPDATE store_revision SET revision = :n WHERE id = 1"), {"n": before}
        )
        connection.execute(text("DELETE FROM store_revision WHERE id > 1"))
    for _ in range(20):
        with store.write():
            pass
    assert store.revision() == f"{epoch}:{before + 20}"
    store.create_schema()
    assert len(_slots(store)) == REVISION_SLOTS
    assert store.revision() == f"{epoch}:{before + 20}"
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM store_revision"))
    assert store.revision() == "empty"
    store.create_schema()
    assert len(_slots(store)) == REVISION_SLOTS
    assert _count(store) == 0
