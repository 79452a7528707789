"""Party building: the references each record may carry (all checked against the organisation);
the changes themselves are the plain ones of ``shared.crud``."""

from __future__ import annotations

from shared.crud import References
from shared.org.models import Committee
from shared.party.models import PartyBranch, ThemeTask

BRANCH_REFERENCES: References = {"committee_id": Committee}
PARTNER_REFERENCES: References = {"branch_id": PartyBranch}
ACTIVITY_REFERENCES: References = {"branch_id": PartyBranch}
PROBLEM_REFERENCES: References = {"theme_task_id": ThemeTask}
