"""The timer kinds of the consultation context: a suggestion's response deadline (reminder, then
overdue) and an instruction task's (reminder, then overdue). The commands that forward a
suggestion or assign a task schedule them; ``automations.py`` fires them."""

from __future__ import annotations

RESPONSE_REMINDER = "suggestion.response_reminder"
RESPONSE_OVERDUE = "suggestion.response_overdue"
TASK_REMINDER = "instruction_task.reminder"
TASK_OVERDUE = "instruction_task.overdue"

# In the order they fire; each pair is voided together when its subject moves on.
RESPONSE_TIMERS = (RESPONSE_REMINDER, RESPONSE_OVERDUE)
TASK_TIMERS = (TASK_REMINDER, TASK_OVERDUE)

KINDS = (*RESPONSE_TIMERS, *TASK_TIMERS)
