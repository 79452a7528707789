"""Every event a workflow can emit is one integrators can subscribe to and find in /event-types."""

from __future__ import annotations

from services.contexts import CONTEXTS
from shared.webhook.catalog import EVENT_TYPES


def test_every_workflow_event_is_in_the_catalogue() -> None:
    emitted = {
        f"{workflow.name}.{event}"
        for context in CONTEXTS
        for workflow in context.workflows
        for action in workflow.actions
        for event in (action.event, *(e for _, e in action.target_events))
    }
    assert emitted - set(EVENT_TYPES) == set()
