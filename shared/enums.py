"""Fixed sets of values taken from their source of truth, validated and published as an ``enum``.

A workflow's states and actions live in its ``Workflow`` (``<context>/workflows.py``); a schema
field says ``Annotated[str, StatesOf(CASE)]`` instead of retyping the list, so the OpenAPI
document, the validation and the machine can never disagree. The wire format stays plain strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from shared.auth import Role
from shared.workflow import Workflow


class OneOf:
    """``Annotated[str, OneOf(values)]``: a string that must be one of ``values`` (an ``enum``)."""

    def __init__(self, values: Iterable[str]) -> None:
        self.values = tuple(dict.fromkeys(values))
        if not self.values:
            raise ValueError("an enum needs at least one value")

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.literal_schema(list(self.values))


# Who acted or is calling: a user's role, an API key's (integrator) or the worker's (system).
ActorRole = Annotated[str, OneOf(role.value for role in Role)]


class StatesOf(OneOf):
    """The states of a workflow."""

    def __init__(self, workflow: Workflow) -> None:
        super().__init__(workflow.states)


class ActionsOf(OneOf):
    """The actions of a workflow, the automatic ones included: asking for one of those is a
    question of role (403), not of shape, so it must reach the workflow rather than stop at 422."""

    def __init__(self, workflow: Workflow) -> None:
        super().__init__(action.name for action in workflow.actions)
