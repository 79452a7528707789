"""Every event a workflow can emit is one integrators can subscribe to and find in /event-types."""

from __future__ import annotations

import shared.contexts  # noqa: F401  (registers every workflow)
from shared.webhook.catalog import EVENT_TYPES
from shared.workflow import REGISTRY


def test_every_workflow_event_is_in_the_catalogue() -> None:
    emitted = {
        f"{workflow.name}.{event}"
        for workflow in REGISTRY.values()
        for action in workflow.actions
        for event in (action.event, *(e for _, e in action.target_events))
    }
    assert emitted - set(EVENT_TYPES) == set()
