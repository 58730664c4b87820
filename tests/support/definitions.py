"""State machine definitions several tests and benchmarks share."""

from __future__ import annotations

__all__ = ["counting_loop"]


def counting_loop(rounds: int) -> dict:
    """A Pass/Choice loop counting ``$.n`` up to ``rounds`` (start it with ``{"n": 0}``):
    ``rounds`` entries of each of its two states and one of ``Done``, four history events
    a round — a long history from a short definition."""
    return {
        "StartAt": "Count",
        "States": {
            "Count": {
                "Type": "Pass",
                "Parameters": {"n.$": "States.MathAdd($.n, 1)"},
                "Next": "More",
            },
            "More": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericLessThan": rounds, "Next": "Count"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
