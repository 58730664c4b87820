"""The Choice state.

AWS: "A Choice state adds conditional logic ... Step Functions examines each of the Choice
Rules in the order listed in the Choices field. Then it transitions to the state specified
in the Next field of the first Choice Rule in which the variable matches the value".
"If no Choices match and a Default state is not provided, the interpreter throws a
States.NoChoiceMatched error". The output is the input after InputPath and OutputPath.
"""
from __future__ import annotations

from ..errors import NO_CHOICE_MATCHED, StatesError

_NO_CONTEXT: dict = {}


def run_choice(state, doc, run):
    """A matched rule's own ``Assign``/``Output`` apply (JSONata rules may carry both,
    JSONPath rules an ``Assign``); the state-level ones apply when ``Default`` is taken
    (conformance ``assign/test_assign_base.test_assign_in_choice``)."""
    io = state.io
    selected = io.selected_input(doc, run)
    value = selected.value
    if state.query_language == "JSONata":
        for rule, next_name in state.choices:
            if rule.test(selected, run):
                return next_name, rule.finish(selected, run)
    else:
        ctx = run.context() if state.uses_context else _NO_CONTEXT
        variables = run.frame.variables
        for rule, next_name in state.choices:
            if rule.evaluate(value, ctx, variables):
                assign = getattr(rule, "assign", None)
                if assign is not None:
                    run.assign(assign.evaluate(value, run.context(), run.frame.env.effects,
                                               variables))
                return next_name, io.output(selected, run)
    if state.default is not None:
        return state.default, io.passthrough(doc, run)
    raise StatesError(NO_CHOICE_MATCHED,
                      f"An error occurred while executing the state '{state.name}' (entered at "
                      f"the event id #{run.entered_id}). No Choice rule matched and no Default "
                      "state was specified.")
