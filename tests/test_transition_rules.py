"""403 or 409 for a refused move, for every registered workflow × action × role × state (api.md,
"Transitions"): a role that may never take an action is forbidden whatever the state; a role
that may take it, but not from this state, is told the state and what it may do instead."""

from __future__ import annotations

import uuid

import pytest

from services.contexts import CONTEXTS
from shared.auth import Actor, Role
from shared.errors import Forbidden, InvalidTransition
from shared.workflow import REGISTRY, Workflow

PEOPLE = [role for role in Role if role is not Role.system]
WORKFLOWS = [workflow for context in CONTEXTS for workflow in context.workflows]
CASES = [
    (workflow, action.name, role)
    for workflow in WORKFLOWS
    for action in workflow.actions
    for role in PEOPLE
]


def _actor(role: Role) -> Actor:
    return Actor(id=uuid.uuid4(), organisation_id=uuid.uuid4(), role=role, label=role.value)


def test_every_registered_workflow_is_covered() -> None:
    assert {workflow.name for workflow in WORKFLOWS} == set(REGISTRY)
    assert {"suggestion", "supervision_case", "studio_rating", "instruction_task"} <= set(REGISTRY)


@pytest.mark.parametrize(
    ("workflow", "action_name", "role"),
    CASES,
    ids=[f"{w.name}.{a}.{r.value}" for w, a, r in CASES],
)
def test_refusals(workflow: Workflow, action_name: str, role: Role) -> None:
    action = workflow.action(action_name)
    assert action is not None
    actor = _actor(role)
    if action.auto or role not in action.roles:
        with pytest.raises(Forbidden):
            workflow.check_role(action_name, actor)
        return
    workflow.check_role(action_name, actor)
    for state in workflow.states:
        if state in action.sources:
            assert workflow.check_state(action_name, state, actor) is action
            continue
        with pytest.raises(InvalidTransition) as refused:
            workflow.check_state(action_name, state, actor)
        assert refused.value.extra == {
            "state": state,
            "allowed_actions": workflow.allowed(state, actor),
        }


def test_the_worker_may_take_only_the_automatic_moves() -> None:
    system = _actor(Role.system)
    for workflow in WORKFLOWS:
        for action in workflow.actions:
            if action.auto:
                workflow.check_role(action.name, system)
            else:
                with pytest.raises(Forbidden):
                    workflow.check_role(action.name, system)
