"""The console's status vocabulary: every status a page shows, its label and its tone.

A state, a visit of it, an attempt and a Map iteration get one of :data:`STATUSES` (the
meaning of each is in :mod:`.summary`); an execution has AWS's ``ExecutionStatus``
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html),
shown under its lower-cased name. The browser receives :func:`vocabulary` from
``GET /console/api/config`` (:mod:`orchestrator.api.console`) and gives an element that
shows a status the classes ``status-<name>`` (what scripts and tests look for) and
``tone-<tone>``; ``static/app.css`` styles the tones only, so no status is listed twice.
"""

from __future__ import annotations

__all__ = ["STATUSES", "STATE_STATUSES", "EXECUTION_STATUSES", "LABELS", "TONES", "vocabulary"]

# A state's (and a visit's) status, most telling first: the aggregate of a state's visits
# is the first that occurs.
STATUSES = ("running", "failed", "aborted", "caught", "retried", "succeeded", "not_reached")

# name -> (label, tone). The state statuses come first, in the order the legend lists them.
_DISPLAY = {
    "succeeded": ("Succeeded", "ok"),
    "retried": ("Retried, then succeeded", "retry"),
    "caught": ("Failed, caught", "caught"),
    "failed": ("Failed", "bad"),
    "running": ("Running", "run"),
    "aborted": ("Aborted", "abort"),
    "not_reached": ("Not reached", "none"),
    # An attempt's or an execution's only.
    "timed_out": ("Timed out", "bad"),
}
STATE_STATUSES = tuple(name for name in _DISPLAY if name in STATUSES)
LABELS = {name: label for name, (label, _tone) in _DISPLAY.items()}
TONES = {name: tone for name, (_label, tone) in _DISPLAY.items()}

# AWS's ExecutionStatus less PENDING_REDRIVE: this engine has no RedriveExecution.
EXECUTION_STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


def vocabulary() -> dict:
    """What the console's page knows of statuses: ``statuses`` (every name with its label
    and tone), ``stateStatuses`` (the legend, in order) and ``executionStatuses`` (the
    executions filter, in order)."""
    return {
        "statuses": [
            {"name": name, "label": label, "tone": tone} for name, (label, tone) in _DISPLAY.items()
        ],
        "stateStatuses": list(STATE_STATUSES),
        "executionStatuses": list(EXECUTION_STATUSES),
    }
