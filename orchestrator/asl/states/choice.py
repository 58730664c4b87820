"""The Choice state.

AWS: "A Choice state adds conditional logic ... Step Functions examines each of the Choice
Rules in the order listed in the Choices field. Then it transitions to the state specified
in the Next field of the first Choice Rule in which the variable matches the value".
"If no Choices match and a Default state is not provided, the interpreter throws a
States.NoChoiceMatched error". The output is the input after InputPath and OutputPath.
"""

from __future__ import annotations

from ..errors import NO_CHOICE_MATCHED, StatesError


def run_choice(state, doc, run):
    """Each rule (its query language's, see :mod:`.pipeline`) says whether it matches and
    applies its own ``Assign``/``Output`` (JSONata rules may carry both, JSONPath rules an
    ``Assign``); the state-level ones apply when ``Default`` is taken (conformance
    ``assign/test_assign_base.test_assign_in_choice``)."""
    selected = state.io.selected_input(doc, run)
    for rule, next_name in state.choices:
        if rule.test(selected, run):
            return next_name, rule.finish(selected, run)
    if state.default is not None:
        return state.default, state.io.passthrough(doc, run)
    raise StatesError(
        NO_CHOICE_MATCHED, run.prefix("No Choice rule matched and no Default state was specified.")
    )
