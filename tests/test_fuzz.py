"""A short run of ``make fuzz`` inside the suite: schemathesis against a live server on a fresh
database of each backend, every operation, as an organisation's admin. A 5xx, an answer that
breaks its documented schema or an undocumented media type fails the suite."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fuzz import Budget, run
from tests.conftest import needs

# The coverage phase (hundreds of boundary cases per operation) is for ``make fuzz``; here a few
# generated examples per operation, and stateful chains built from the OpenAPI links.
SHORT = Budget(max_examples=2, phases="examples,fuzzing,stateful", workers=1, seed=20_231_101)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_fuzz_finds_no_server_error_and_no_schema_violation(backend: str, tmp_path: Path) -> None:
    if backend == "postgres":
        needs("postgres")
    outcome = run(backend, SHORT, tmp_path)
    assert outcome.server_errors == [], "\n".join(outcome.server_errors)
    assert outcome.exit_code == 0, outcome.summary
    selected = re.search(r"Selected: \d+/(\d+)", outcome.output)
    tested = re.search(r"Tested: (\d+)", outcome.output)
    assert selected and tested and tested.group(1) == selected.group(1), outcome.summary
