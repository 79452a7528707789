"""Imports every table and every business context once, so the metadata is complete and the
workflows and automations are registered wherever the app, the worker or Alembic starts."""

from shared import audit, events, idempotency, timers  # noqa: F401
from shared.org import models as org_models  # noqa: F401
from shared.party import models as party_models  # noqa: F401
