"""Keys are UUIDv7 and sort in the order they were made, even within one millisecond: keyset
pages and the event feed's late-commit guarantee rest on it."""

from __future__ import annotations

from shared.db import uuid7


def test_ids_made_in_one_millisecond_sort_in_the_order_they_were_made() -> None:
    ids = [uuid7() for _ in range(5000)]  # thousands fall in each millisecond
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert {i.version for i in ids} == {7} and {i.variant for i in ids} == {"specified in RFC 4122"}
