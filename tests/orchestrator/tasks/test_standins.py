"""tests/support/lambda_standins.py: the conformance corpus's Lambda functions."""

from __future__ import annotations

import traceback

import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.tasks.lambda_ import LambdaContext
from tests.support import lambda_standins as standins


def context(seconds: float) -> LambdaContext:
    import time

    return LambdaContext("f", "arn:aws:lambda:r:1:function:f", "id", time.monotonic() + seconds)


@pytest.mark.parametrize(
    "fn, event, expected",
    [
        (standins.echo, {"a": [1, None]}, {"a": [1, None]}),
        (standins.constant_helloworld, {"ignored": 1}, {"Return": "HelloWorld"}),
        (standins.decorate_input, {"a": True, "b": None}, "input-event-{'a': True, 'b': None}"),
        (standins.decorate_input, ["string-literal"], "input-event-['string-literal']"),
    ],
    ids=["echo", "constant", "decorate-dict", "decorate-list"],
)
def test_pure_stand_ins(fn, event, expected):
    assert fn(event, context(1)) == expected


@pytest.mark.parametrize(
    "fn, error_type, message, line, code",
    [
        (
            standins.raise_exception,
            "Exception",
            "Some exception was raised.",
            2,
            'raise Exception("Some exception was raised.")',
        ),
        (standins.raise_custom_exception, "CustomException", "", 9, "raise CustomException()"),
    ],
    ids=["exception", "custom"],
)
def test_failing_stand_ins_raise_from_aws_handler_lines(fn, error_type, message, line, code):
    with pytest.raises(Exception) as info:
        fn({}, context(1))
    assert (type(info.value).__name__, str(info.value)) == (error_type, message)
    frame = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (frame.filename, frame.lineno, frame.name) == ("/var/task/handler.py", line, "handler")


@pytest.fixture
def sleeps():
    asked: list[float] = []
    previous = standins.set_sleep(asked.append)
    yield asked
    standins.set_sleep(previous)


def test_sleep_stand_in_sleeps_sixty_seconds_then_echoes(sleeps):
    assert standins.sleep_60s_echo({"x": 1}, context(900)) == {"x": 1}
    assert sleeps == [60]


def test_sleep_stand_in_stops_at_the_deadline_with_states_timeout(sleeps):
    with pytest.raises(StatesError) as info:
        standins.sleep_60s_echo({}, context(5))
    assert info.value.error == "States.Timeout"
    assert len(sleeps) == 1 and 4 < sleeps[0] <= 5


def test_every_need_maps_to_a_loadable_function():
    import importlib

    for need, spec in standins.BY_NEED.items():
        module, _, name = spec[len("python:") :].rpartition(":")
        assert callable(getattr(importlib.import_module(module), name)), need


def test_the_product_never_imports_test_support():
    # The stand-ins are reached through the Lambda map only, as a user's functions are.
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[3] / "orchestrator"
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [
                f"{path}: {name}" for name in names if name == "tests" or name.startswith("tests.")
            ]
    assert offenders == []
