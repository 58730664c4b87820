import pytest

from orchestrator.engine.arns import (
    check_name,
    execution_arn,
    execution_parts,
    express_arn,
    parse_arn,
)
from orchestrator.engine.errors import ApiError

SM = "arn:aws:states:us-east-1:123456789012:stateMachine:orders"


@pytest.mark.parametrize("name", ["a", "order-1_x.y", "x" * 80, "émoji✓"])
def test_valid_names(name):
    check_name(name)


@pytest.mark.parametrize(
    "name,code",
    [
        ("", "InvalidName"),
        ("has space", "InvalidName"),
        ("a/b", "InvalidName"),
        ("a:b", "InvalidName"),
        ("a*", "InvalidName"),
        ("{x}", "InvalidName"),
        ("tab\there", "InvalidName"),
        ("ctl\u0085", "InvalidName"),
        ("x" * 81, "ValidationException"),
    ],
)
def test_invalid_names(name, code):
    with pytest.raises(ApiError) as err:
        check_name(name)
    assert err.value.code == code


def test_execution_arns_round_trip():
    arn = execution_arn(SM, "run-1")
    assert arn == "arn:aws:states:us-east-1:123456789012:execution:orders:run-1"
    assert execution_parts(arn) == (SM, "run-1")
    express = express_arn(SM, "n", "u-u-i-d")
    assert express == "arn:aws:states:us-east-1:123456789012:express:orders:n:u-u-i-d"
    assert execution_parts(express) == (SM, "n")


@pytest.mark.parametrize(
    "arn,kinds,message",
    [
        ("nope", ("stateMachine",), "Invalid Arn: 'Invalid ARN prefix: nope'"),
        (
            SM,
            ("execution",),
            "Invalid Arn: 'Resource type not valid in this context: stateMachine'",
        ),
        (SM + ":extra", ("stateMachine",), f"Invalid Arn: 'Invalid ARN: {SM}:extra'"),
        (
            "arn:aws:lambda:us-east-1:1:function:f",
            ("stateMachine",),
            "Invalid Arn: 'Invalid ARN prefix: arn:aws:lambda:us-east-1:1:function:f'",
        ),
    ],
)
def test_invalid_arns(arn, kinds, message):
    with pytest.raises(ApiError) as err:
        parse_arn(arn, *kinds)
    assert (err.value.code, err.value.message) == ("InvalidArn", message)
