"""Imports every table and every business context once, so the metadata is complete and the
workflows and automations are registered wherever the app, the worker or Alembic starts."""

from shared import audit, events, idempotency, timers  # noqa: F401
from shared.consultation import automations as consultation_automations  # noqa: F401
from shared.consultation import commands as consultation_commands  # noqa: F401
from shared.org import models as org_models  # noqa: F401
from shared.party import models as party_models  # noqa: F401
from shared.studio import automations as studio_automations  # noqa: F401
from shared.supervision import automations as supervision_automations  # noqa: F401
from shared.supervision import models as supervision_models  # noqa: F401
from shared.supervision import workflows as supervision_workflows  # noqa: F401
from shared.webhook import automations as webhook_automations  # noqa: F401
from shared.webhook import models as webhook_models  # noqa: F401
