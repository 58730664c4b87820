"""Unit tests for orchestrator.asl.validator: one row per rule, (definition, code, location)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.asl.errors import Diagnostic
from orchestrator.asl.validator import (
    ERROR,
    WARNING,
    format_invalid_definition,
    validate,
    validation_response,
)

END = {"Type": "Pass", "End": True}
LAMBDA = "arn:aws:lambda:us-east-1:111111111111:function:f"


def sm(states: dict, **top) -> dict:
    """A machine starting at its first state."""
    return {"StartAt": next(iter(states)), "States": states, **top}


def one(state: dict, **top) -> dict:
    """A machine whose only state is ``A`` (location ``/States/A``)."""
    return sm({"A": state}, **top)


def task(**fields) -> dict:
    return one({"Type": "Task", "Resource": LAMBDA, "End": True, **fields})


def retry(*retriers) -> dict:
    return task(Retry=list(retriers))


def catch(*catchers, **fields) -> dict:
    return sm(
        {
            "A": {
                "Type": "Task",
                "Resource": LAMBDA,
                "Catch": list(catchers),
                "End": True,
                **fields,
            },
            "H": END,
        }
    )


def choice(*rules, **fields) -> dict:
    return sm({"A": {"Type": "Choice", "Choices": list(rules), "Default": "B", **fields}, "B": END})


def rule(**fields) -> dict:
    return {"Next": "B", **fields}


def wait(**fields) -> dict:
    return one({"Type": "Wait", "End": True, **fields})


def fail(**fields) -> dict:
    return one({"Type": "Fail", **fields})


def parallel(*branches) -> dict:
    return one({"Type": "Parallel", "Branches": list(branches), "End": True})


def branch(states: dict) -> dict:
    return {"StartAt": next(iter(states)), "States": states}


def map_state(**fields) -> dict:
    base = {
        "Type": "Map",
        "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, **branch({"I": END})},
    }
    return one({**base, **fields})


def distributed(**fields) -> dict:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        **branch({"I": END}),
    }
    return map_state(ItemProcessor=processor, **fields)


def jsonata(state: dict) -> dict:
    return one(state, QueryLanguage="JSONata")


S = "SCHEMA_VALIDATION_FAILED"
T = "MISSING_TRANSITION_TARGET"

ROWS = [
    # ---- top level ----------------------------------------------------------------------
    ("top-missing-startat", {"States": {"A": END}}, S, "/"),
    ("top-missing-states", {"StartAt": "A"}, S, "/"),
    ("top-unknown-field", one(END, Foo=1), S, "/Foo"),
    ("top-startat-type", {"StartAt": 1, "States": {"A": END}}, S, "/StartAt"),
    ("top-states-type", {"StartAt": "A", "States": []}, S, "/States"),
    ("top-states-empty", {"StartAt": "A", "States": {}}, S, "/States"),
    ("top-comment-type", one(END, Comment=5), S, "/Comment"),
    ("top-version-type", one(END, Version=1.0), S, "/Version"),
    ("top-timeout-zero", one(END, TimeoutSeconds=0), S, "/TimeoutSeconds"),
    ("top-timeout-string", one(END, TimeoutSeconds="5"), S, "/TimeoutSeconds"),
    ("top-querylanguage", one(END, QueryLanguage="XPath"), S, "/QueryLanguage"),
    ("top-startat-target", {"StartAt": "Nope", "States": {"A": END}}, T, "/StartAt"),
    ("not-an-object", "[1, 2]", S, ""),
    ("blank-text", "  ", S, ""),
    # ---- any state ----------------------------------------------------------------------
    ("state-not-object", one("Pass"), S, "/States/A"),
    ("state-missing-type", one({"End": True}), S, "/States/A"),
    ("state-bad-type", one({"Type": "Sleep", "End": True}), S, "/States/A/Type"),
    ("state-unknown-field", one({**END, "Foo": 1}), S, "/States/A/Foo"),
    ("state-comment-type", one({**END, "Comment": []}), S, "/States/A/Comment"),
    ("state-name-too-long", sm({"x" * 81: END}), "INVALID_STATE_NAME", "/States/" + "x" * 81),
    (
        "state-name-duplicate-across-scopes",
        sm({"A": {"Type": "Parallel", "Branches": [branch({"A": END})], "End": True}}),
        "DUPLICATE_STATE_NAME",
        "/States/A/Branches/0/States/A",
    ),
    ("next-and-end", one({"Type": "Pass", "Next": "A", "End": True}), S, "/States/A"),
    ("neither-next-nor-end", one({"Type": "Pass"}), S, "/States/A"),
    ("end-false", one({"Type": "Pass", "End": False}), S, "/States/A"),
    ("end-type", one({"Type": "Pass", "End": "yes"}), S, "/States/A/End"),
    ("next-type", one({"Type": "Pass", "Next": 3}), S, "/States/A/Next"),
    ("next-missing-target", one({"Type": "Pass", "Next": "Nope"}), T, "/States/A/Next"),
    ("unreachable", sm({"A": END, "B": END}), T, "/States/B"),
    (
        "no-terminal-state",
        sm({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}),
        "MISSING_END_STATE",
        "/",
    ),
    ("choice-end", choice(rule(Variable="$.x", IsNull=True), End=True), S, "/States/A/End"),
    ("choice-next", choice(rule(Variable="$.x", IsNull=True), Next="B"), S, "/States/A/Next"),
    ("succeed-next", sm({"A": {"Type": "Succeed", "Next": "A"}}), S, "/States/A/Next"),
    ("fail-end", fail(End=True), S, "/States/A/End"),
    ("fail-inputpath", fail(InputPath="$"), S, "/States/A/InputPath"),
    ("inputpath-syntax", one({**END, "InputPath": "foo"}), S, "/States/A/InputPath"),
    ("outputpath-type", one({**END, "OutputPath": 5}), S, "/States/A/OutputPath"),
    ("resultpath-indefinite", one({**END, "ResultPath": "$.a[*]"}), S, "/States/A/ResultPath"),
    ("resultpath-context", one({**END, "ResultPath": "$$.Execution"}), S, "/States/A/ResultPath"),
    (
        "parameters-value-not-path",
        one({**END, "Parameters": {"x.$": "foo"}}),
        S,
        "/States/A/Parameters",
    ),
    ("parameters-value-type", one({**END, "Parameters": {"x.$": 5}}), S, "/States/A/Parameters"),
    ("parameters-bad-path", one({**END, "Parameters": {"x.$": "$.a["}}), S, "/States/A/Parameters"),
    (
        "parameters-nested-bad-intrinsic",
        one({**END, "Parameters": {"a": [{"x.$": "States.Nope("}]}}),
        S,
        "/States/A/Parameters",
    ),
    ("assign-not-object", one({**END, "Assign": []}), S, "/States/A/Assign"),
    ("assign-bad-name", one({**END, "Assign": {"1x": 1}}), S, "/States/A/Assign/1x"),
    ("assign-reserved-name", one({**END, "Assign": {"states": 1}}), S, "/States/A/Assign/states"),
    ("assign-bad-path", one({**END, "Assign": {"x.$": "nope"}}), S, "/States/A/Assign"),
    # ---- Task ---------------------------------------------------------------------------
    ("task-missing-resource", one({"Type": "Task", "End": True}), S, "/States/A"),
    ("task-resource-type", task(Resource=5), S, "/States/A/Resource"),
    (
        "task-resource-unknown-action",
        task(Resource="arn:aws:states:::dynamodb:query"),
        S,
        "/States/A/Resource",
    ),
    (
        "task-resource-unknown-suffix",
        task(Resource="arn:aws:states:::lambda:invoke.sync"),
        S,
        "/States/A/Resource",
    ),
    ("task-resource-not-arn", task(Resource="createToken"), S, "/States/A/Resource"),
    ("task-timeout-zero", task(TimeoutSeconds=0), S, "/States/A/TimeoutSeconds"),
    ("task-timeout-float", task(TimeoutSeconds=1.5), S, "/States/A/TimeoutSeconds"),
    ("task-timeout-and-path", task(TimeoutSeconds=5, TimeoutSecondsPath="$.t"), S, "/States/A"),
    (
        "task-heartbeat-and-path",
        task(HeartbeatSeconds=5, HeartbeatSecondsPath="$.t"),
        S,
        "/States/A",
    ),
    (
        "task-heartbeat-not-below-timeout",
        task(TimeoutSeconds=5, HeartbeatSeconds=5),
        S,
        "/States/A/HeartbeatSeconds",
    ),
    ("task-timeoutpath-syntax", task(TimeoutSecondsPath="t"), S, "/States/A/TimeoutSecondsPath"),
    (
        "task-heartbeatpath-not-reference",
        task(HeartbeatSecondsPath="$.a[*]"),
        S,
        "/States/A/HeartbeatSecondsPath",
    ),
    ("task-credentials-missing-rolearn", task(Credentials={"Foo": 1}), S, "/States/A/Credentials"),
    ("task-resultselector-type", task(ResultSelector="$"), S, "/States/A/ResultSelector"),
    ("task-parameters-type", task(Parameters=[1]), S, "/States/A/Parameters"),
    ("task-arguments-in-jsonpath", task(Arguments={}), S, "/States/A/Arguments"),
    ("task-output-in-jsonpath", task(Output={}), S, "/States/A/Output"),
    # ---- Retry / Catch -------------------------------------------------------------------
    ("retry-type", task(Retry={}), S, "/States/A/Retry"),
    ("retry-entry-type", retry("x"), S, "/States/A/Retry/0"),
    ("retry-missing-errorequals", retry({"MaxAttempts": 1}), S, "/States/A/Retry/0"),
    ("retry-errorequals-empty", retry({"ErrorEquals": []}), S, "/States/A/Retry/0/ErrorEquals"),
    (
        "retry-errorequals-type",
        retry({"ErrorEquals": "States.ALL"}),
        S,
        "/States/A/Retry/0/ErrorEquals",
    ),
    (
        "retry-errorequals-item-type",
        retry({"ErrorEquals": [1]}),
        S,
        "/States/A/Retry/0/ErrorEquals/0",
    ),
    (
        "retry-states-all-not-alone",
        retry({"ErrorEquals": ["States.ALL", "X"]}),
        S,
        "/States/A/Retry/0/ErrorEquals",
    ),
    (
        "retry-states-all-not-last",
        retry({"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}),
        S,
        "/States/A/Retry/0",
    ),
    (
        "retry-maxattempts-negative",
        retry({"ErrorEquals": ["X"], "MaxAttempts": -1}),
        S,
        "/States/A/Retry/0/MaxAttempts",
    ),
    (
        "retry-maxattempts-float",
        retry({"ErrorEquals": ["X"], "MaxAttempts": 1.5}),
        S,
        "/States/A/Retry/0/MaxAttempts",
    ),
    (
        "retry-backoff-below-one",
        retry({"ErrorEquals": ["X"], "BackoffRate": 0.5}),
        S,
        "/States/A/Retry/0/BackoffRate",
    ),
    (
        "retry-backoff-type",
        retry({"ErrorEquals": ["X"], "BackoffRate": "2"}),
        S,
        "/States/A/Retry/0/BackoffRate",
    ),
    (
        "retry-interval-zero",
        retry({"ErrorEquals": ["X"], "IntervalSeconds": 0}),
        S,
        "/States/A/Retry/0/IntervalSeconds",
    ),
    (
        "retry-maxdelay-zero",
        retry({"ErrorEquals": ["X"], "MaxDelaySeconds": 0}),
        S,
        "/States/A/Retry/0/MaxDelaySeconds",
    ),
    (
        "retry-jitter",
        retry({"ErrorEquals": ["X"], "JitterStrategy": "HALF"}),
        S,
        "/States/A/Retry/0/JitterStrategy",
    ),
    (
        "retry-unknown-field",
        retry({"ErrorEquals": ["X"], "Next": "H"}),
        S,
        "/States/A/Retry/0/Next",
    ),
    ("catch-missing-next", catch({"ErrorEquals": ["States.ALL"]}), S, "/States/A/Catch/0"),
    (
        "catch-next-target",
        catch({"ErrorEquals": ["States.ALL"], "Next": "Nope"}),
        T,
        "/States/A/Catch/0/Next",
    ),
    (
        "catch-states-all-not-last",
        catch({"ErrorEquals": ["States.ALL"], "Next": "H"}, {"ErrorEquals": ["X"], "Next": "H"}),
        S,
        "/States/A/Catch/0",
    ),
    (
        "catch-resultpath",
        catch({"ErrorEquals": ["X"], "Next": "H", "ResultPath": "$.a[0:1]"}),
        S,
        "/States/A/Catch/0/ResultPath",
    ),
    (
        "catch-output-in-jsonpath",
        catch({"ErrorEquals": ["X"], "Next": "H", "Output": {}}),
        S,
        "/States/A/Catch/0/Output",
    ),
    # ---- Choice -------------------------------------------------------------------------
    (
        "choice-missing-choices",
        sm({"A": {"Type": "Choice", "Default": "B"}, "B": END}),
        S,
        "/States/A",
    ),
    ("choice-choices-empty", choice(), S, "/States/A/Choices"),
    (
        "choice-choices-type",
        sm({"A": {"Type": "Choice", "Choices": {}, "Default": "B"}, "B": END}),
        S,
        "/States/A/Choices",
    ),
    (
        "choice-rule-missing-next",
        choice({"Variable": "$.x", "IsNull": True}),
        S,
        "/States/A/Choices/0",
    ),
    (
        "choice-rule-two-comparators",
        choice(rule(Variable="$.x", IsNull=True, IsString=True)),
        S,
        "/States/A/Choices/0",
    ),
    ("choice-rule-no-comparator", choice(rule(Variable="$.x")), S, "/States/A/Choices/0"),
    ("choice-rule-missing-variable", choice(rule(IsNull=True)), S, "/States/A/Choices/0"),
    (
        "choice-variable-syntax",
        choice(rule(Variable="x", IsNull=True)),
        S,
        "/States/A/Choices/0/Variable",
    ),
    (
        "choice-variable-not-reference",
        choice(rule(Variable="$..x", IsNull=True)),
        S,
        "/States/A/Choices/0/Variable",
    ),
    ("choice-and-empty", choice(rule(And=[])), S, "/States/A/Choices/0/And"),
    (
        "choice-or-type",
        choice(rule(Or={"Variable": "$.x", "IsNull": True})),
        S,
        "/States/A/Choices/0/Or",
    ),
    (
        "choice-not-type",
        choice(rule(Not=[{"Variable": "$.x", "IsNull": True}])),
        S,
        "/States/A/Choices/0/Not",
    ),
    (
        "choice-logical-and-comparator",
        choice(rule(Not={"Variable": "$.x", "IsNull": True}, Variable="$.y", IsNull=True)),
        S,
        "/States/A/Choices/0",
    ),
    (
        "choice-nested-next",
        choice(rule(Not={"Variable": "$.x", "IsNull": True, "Next": "B"})),
        S,
        "/States/A/Choices/0/Not/Next",
    ),
    (
        "choice-nested-rule-bad",
        choice(rule(And=[{"Variable": "$.x"}])),
        S,
        "/States/A/Choices/0/And/0",
    ),
    (
        "choice-string-type",
        choice(rule(Variable="$.x", StringEquals=5)),
        S,
        "/States/A/Choices/0/StringEquals",
    ),
    (
        "choice-numeric-type",
        choice(rule(Variable="$.x", NumericEquals="1")),
        S,
        "/States/A/Choices/0/NumericEquals",
    ),
    (
        "choice-numeric-bool",
        choice(rule(Variable="$.x", NumericEquals=True)),
        S,
        "/States/A/Choices/0/NumericEquals",
    ),
    (
        "choice-boolean-type",
        choice(rule(Variable="$.x", BooleanEquals="true")),
        S,
        "/States/A/Choices/0/BooleanEquals",
    ),
    (
        "choice-timestamp-invalid",
        choice(rule(Variable="$.x", TimestampEquals="yesterday")),
        S,
        "/States/A/Choices/0/TimestampEquals",
    ),
    (
        "choice-is-type",
        choice(rule(Variable="$.x", IsPresent="yes")),
        S,
        "/States/A/Choices/0/IsPresent",
    ),
    (
        "choice-path-operand",
        choice(rule(Variable="$.x", NumericEqualsPath="y")),
        S,
        "/States/A/Choices/0/NumericEqualsPath",
    ),
    (
        "choice-rule-next-target",
        choice({"Variable": "$.x", "IsNull": True, "Next": "Nope"}),
        T,
        "/States/A/Choices/0/Next",
    ),
    (
        "choice-default-target",
        choice(rule(Variable="$.x", IsNull=True), Default="Nope"),
        T,
        "/States/A/Default",
    ),
    (
        "choice-rule-unknown-field",
        choice(rule(Variable="$.x", IsNull=True, Foo=1)),
        S,
        "/States/A/Choices/0/Foo",
    ),
    (
        "choice-condition-in-jsonpath",
        choice(rule(Condition=True)),
        S,
        "/States/A/Choices/0/Condition",
    ),
    # ---- Wait ---------------------------------------------------------------------------
    ("wait-none", wait(), S, "/States/A"),
    ("wait-two", wait(Seconds=1, SecondsPath="$.s"), S, "/States/A"),
    ("wait-seconds-negative", wait(Seconds=-1), S, "/States/A/Seconds"),
    ("wait-seconds-string", wait(Seconds="5"), S, "/States/A/Seconds"),
    ("wait-timestamp-invalid", wait(Timestamp="2016-12-05 21:29:29Z"), S, "/States/A/Timestamp"),
    (
        "wait-timestamp-jsonata-in-jsonpath",
        wait(Timestamp="{% $now() %}"),
        S,
        "/States/A/Timestamp",
    ),
    ("wait-secondspath-syntax", wait(SecondsPath="s"), S, "/States/A/SecondsPath"),
    ("wait-timestamppath-indefinite", wait(TimestampPath="$.t[*]"), S, "/States/A/TimestampPath"),
    # ---- Fail ---------------------------------------------------------------------------
    ("fail-error-and-errorpath", fail(Error="E", ErrorPath="$.e"), S, "/States/A"),
    ("fail-cause-and-causepath", fail(Cause="C", CausePath="$.c"), S, "/States/A"),
    ("fail-error-type", fail(Error=5), S, "/States/A/Error"),
    ("fail-causepath-syntax", fail(CausePath="cause"), S, "/States/A/CausePath"),
    ("fail-errorpath-bad-intrinsic", fail(ErrorPath="States.Format("), S, "/States/A/ErrorPath"),
    ("fail-unknown-field", fail(Result=1), S, "/States/A/Result"),
    # ---- Parallel -----------------------------------------------------------------------
    ("parallel-missing-branches", one({"Type": "Parallel", "End": True}), S, "/States/A"),
    ("parallel-branches-empty", parallel(), S, "/States/A/Branches"),
    ("parallel-branch-type", parallel("x"), S, "/States/A/Branches/0"),
    (
        "parallel-branch-missing-startat",
        parallel({"States": {"B": END}}),
        S,
        "/States/A/Branches/0",
    ),
    (
        "parallel-branch-unknown-field",
        parallel({**branch({"B": END}), "TimeoutSeconds": 5}),
        S,
        "/States/A/Branches/0/TimeoutSeconds",
    ),
    (
        "parallel-branch-next-outside",
        parallel(branch({"B": {"Type": "Pass", "Next": "A"}})),
        T,
        "/States/A/Branches/0/States/B/Next",
    ),
    (
        "parallel-branch-unreachable",
        parallel(branch({"B": END, "C": END})),
        T,
        "/States/A/Branches/0/States/C",
    ),
    (
        "parallel-retry-states-all",
        one(
            {
                "Type": "Parallel",
                "Branches": [branch({"B": END})],
                "End": True,
                "Retry": [{"ErrorEquals": []}],
            }
        ),
        S,
        "/States/A/Retry/0/ErrorEquals",
    ),
    # ---- Map ----------------------------------------------------------------------------
    ("map-missing-processor", one({"Type": "Map", "End": True}), S, "/States/A"),
    ("map-processor-and-iterator", map_state(Iterator=branch({"J": END})), S, "/States/A"),
    ("map-processor-type", map_state(ItemProcessor=[]), S, "/States/A/ItemProcessor"),
    (
        "map-mode",
        map_state(ItemProcessor={"ProcessorConfig": {"Mode": "BATCH"}, **branch({"I": END})}),
        S,
        "/States/A/ItemProcessor/ProcessorConfig/Mode",
    ),
    (
        "map-distributed-no-executiontype",
        map_state(ItemProcessor={"ProcessorConfig": {"Mode": "DISTRIBUTED"}, **branch({"I": END})}),
        S,
        "/States/A/ItemProcessor/ProcessorConfig",
    ),
    (
        "map-executiontype",
        map_state(
            ItemProcessor={
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "FAST"},
                **branch({"I": END}),
            }
        ),
        S,
        "/States/A/ItemProcessor/ProcessorConfig/ExecutionType",
    ),
    (
        "map-processorconfig-unknown",
        map_state(ItemProcessor={"ProcessorConfig": {"Foo": 1}, **branch({"I": END})}),
        S,
        "/States/A/ItemProcessor/ProcessorConfig/Foo",
    ),
    (
        "map-processor-unreachable",
        map_state(ItemProcessor=branch({"I": END, "J": END})),
        T,
        "/States/A/ItemProcessor/States/J",
    ),
    (
        "map-iterator-unknown-field",
        one({"Type": "Map", "End": True, "Iterator": {**branch({"I": END}), "Foo": 1}}),
        S,
        "/States/A/Iterator/Foo",
    ),
    (
        "map-itemreader-inline",
        map_state(ItemReader={"Resource": "arn:aws:states:::s3:getObject"}),
        S,
        "/States/A/ItemReader",
    ),
    ("map-itemreader-missing-resource", distributed(ItemReader={}), S, "/States/A/ItemReader"),
    (
        "map-readerconfig-inputtype",
        distributed(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "XML"},
            }
        ),
        S,
        "/States/A/ItemReader/ReaderConfig/InputType",
    ),
    (
        "map-readerconfig-given-headers",
        distributed(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN"},
            }
        ),
        S,
        "/States/A/ItemReader/ReaderConfig",
    ),
    (
        "map-itembatcher-zero",
        distributed(ItemBatcher={"MaxItemsPerBatch": 0}),
        S,
        "/States/A/ItemBatcher/MaxItemsPerBatch",
    ),
    (
        "map-itembatcher-unknown",
        distributed(ItemBatcher={"MaxItems": 2}),
        S,
        "/States/A/ItemBatcher/MaxItems",
    ),
    (
        "map-resultwriter-outputtype",
        distributed(ResultWriter={"WriterConfig": {"OutputType": "CSV", "Transformation": "NONE"}}),
        S,
        "/States/A/ResultWriter/WriterConfig/OutputType",
    ),
    ("map-itemselector-and-parameters", map_state(ItemSelector={}, Parameters={}), S, "/States/A"),
    ("map-itemselector-type", map_state(ItemSelector="$"), S, "/States/A/ItemSelector"),
    (
        "map-itemselector-bad-path",
        map_state(ItemSelector={"v.$": "$$.Map.Item.Value["}),
        S,
        "/States/A/ItemSelector",
    ),
    ("map-itemspath-indefinite", map_state(ItemsPath="$.items[*]"), S, "/States/A/ItemsPath"),
    ("map-maxconcurrency-negative", map_state(MaxConcurrency=-1), S, "/States/A/MaxConcurrency"),
    (
        "map-maxconcurrency-and-path",
        map_state(MaxConcurrency=1, MaxConcurrencyPath="$.m"),
        S,
        "/States/A",
    ),
    (
        "map-maxconcurrencypath-syntax",
        map_state(MaxConcurrencyPath="m"),
        S,
        "/States/A/MaxConcurrencyPath",
    ),
    (
        "map-tolerated-percentage-range",
        distributed(ToleratedFailurePercentage=101),
        S,
        "/States/A/ToleratedFailurePercentage",
    ),
    (
        "map-tolerated-count-negative",
        distributed(ToleratedFailureCount=-1),
        S,
        "/States/A/ToleratedFailureCount",
    ),
    (
        "map-tolerated-count-and-path",
        distributed(ToleratedFailureCount=1, ToleratedFailureCountPath="$.n"),
        S,
        "/States/A",
    ),
    (
        "map-tolerated-percentagepath-syntax",
        distributed(ToleratedFailurePercentagePath="p"),
        S,
        "/States/A/ToleratedFailurePercentagePath",
    ),
    ("map-label-invalid", distributed(Label="has space"), "INVALID_LABEL_NAME", "/States/A/Label"),
    ("map-label-too-long", distributed(Label="x" * 41), "INVALID_LABEL_NAME", "/States/A/Label"),
    (
        "map-label-duplicate",
        sm(
            {
                "A": {**distributed(Label="L")["States"]["A"], "End": False, "Next": "B"},
                "B": distributed(Label="L")["States"]["A"],
            }
        ),
        "DUPLICATE_LABEL_NAME",
        "/States/B/Label",
    ),
    ("map-items-in-jsonpath", map_state(Items=[1]), S, "/States/A/Items"),
    # ---- JSONata ------------------------------------------------------------------------
    (
        "jsonata-downgrade",
        sm({"A": {**END, "QueryLanguage": "JSONPath"}}, QueryLanguage="JSONata"),
        S,
        "/States/A",
    ),
    (
        "jsonata-state-querylanguage-value",
        one({**END, "QueryLanguage": "jq"}),
        S,
        "/States/A/QueryLanguage",
    ),
    ("jsonata-inputpath", jsonata({**END, "InputPath": "$"}), S, "/States/A/InputPath"),
    ("jsonata-parameters", jsonata({**END, "Parameters": {}}), S, "/States/A/Parameters"),
    ("jsonata-resultpath", jsonata({**END, "ResultPath": "$.r"}), S, "/States/A/ResultPath"),
    ("jsonata-outputpath", jsonata({**END, "OutputPath": "$"}), S, "/States/A/OutputPath"),
    ("jsonata-result", jsonata({**END, "Result": 1}), S, "/States/A/Result"),
    (
        "jsonata-resultselector",
        jsonata({"Type": "Task", "Resource": LAMBDA, "End": True, "ResultSelector": {}}),
        S,
        "/States/A/ResultSelector",
    ),
    (
        "jsonata-itemspath",
        jsonata({**map_state()["States"]["A"], "ItemsPath": "$"}),
        S,
        "/States/A/ItemsPath",
    ),
    (
        "jsonata-items-type",
        jsonata({**map_state()["States"]["A"], "Items": "abc"}),
        S,
        "/States/A/Items",
    ),
    (
        "jsonata-secondspath",
        jsonata({"Type": "Wait", "End": True, "SecondsPath": "$.s"}),
        S,
        "/States/A/SecondsPath",
    ),
    ("jsonata-errorpath", jsonata({"Type": "Fail", "ErrorPath": "$.e"}), S, "/States/A/ErrorPath"),
    (
        "jsonata-timeout-not-expression",
        jsonata({"Type": "Task", "Resource": LAMBDA, "End": True, "TimeoutSeconds": "ten"}),
        S,
        "/States/A/TimeoutSeconds",
    ),
    (
        "jsonata-unclosed-expression",
        jsonata({**END, "Output": {"a": ["{% $x "]}}),
        S,
        "/States/A/Output/a/0",
    ),
    (
        "jsonata-empty-expression",
        jsonata({**END, "Assign": {"x": "{%  %}"}}),
        S,
        "/States/A/Assign/x",
    ),
    (
        "jsonata-rule-missing-condition",
        sm(
            {"A": {"Type": "Choice", "Choices": [{"Next": "B"}], "Default": "B"}, "B": END},
            QueryLanguage="JSONata",
        ),
        S,
        "/States/A/Choices/0",
    ),
    (
        "jsonata-rule-variable",
        sm(
            {
                "A": {
                    "Type": "Choice",
                    "Choices": [{"Condition": True, "Variable": "$.x", "Next": "B"}],
                },
                "B": END,
            },
            QueryLanguage="JSONata",
        ),
        S,
        "/States/A/Choices/0/Variable",
    ),
    (
        "jsonata-rule-condition-type",
        sm(
            {"A": {"Type": "Choice", "Choices": [{"Condition": "true", "Next": "B"}]}, "B": END},
            QueryLanguage="JSONata",
        ),
        S,
        "/States/A/Choices/0/Condition",
    ),
    (
        "jsonata-catch-resultpath",
        sm(
            {
                "A": {
                    "Type": "Task",
                    "Resource": LAMBDA,
                    "End": True,
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H", "ResultPath": "$.e"}],
                },
                "H": END,
            },
            QueryLanguage="JSONata",
        ),
        S,
        "/States/A/Catch/0/ResultPath",
    ),
]


@pytest.mark.parametrize(
    ("definition", "code", "location"), [pytest.param(d, c, loc, id=i) for i, d, c, loc in ROWS]
)
def test_rule_is_reported(definition, code, location):
    diags = validate(definition)
    found = [(d.code, d.location) for d in diags if d.severity == ERROR]
    assert (code, location) in found, diags


VALID = [
    ("pass", one(END)),
    ("string-definition", json.dumps(one(END))),
    (
        "all-fields-task",
        task(
            Comment="c",
            InputPath="$.a",
            OutputPath=None,
            ResultPath=None,
            Parameters={
                "a.$": "$.x",
                "b.$": "$$.Execution.Id",
                "c.$": "States.Format('{}', $.y)",
                "d": [{"e.$": "$var.f"}],
            },
            ResultSelector={"r.$": "$.Payload"},
            TimeoutSeconds=10,
            HeartbeatSeconds=5,
            Assign={"v": 1, "w.$": "$.z"},
            Retry=[
                {
                    "ErrorEquals": ["X"],
                    "IntervalSeconds": 1,
                    "MaxAttempts": 0,
                    "BackoffRate": 1.0,
                    "MaxDelaySeconds": 5,
                    "JitterStrategy": "FULL",
                },
                {"ErrorEquals": ["States.ALL"]},
            ],
        ),
    ),
    (
        "http-task",
        task(
            Resource="arn:aws:states:::http:invoke",
            Parameters={"ApiEndpoint": "http://users:8001/users", "Method": "POST"},
        ),
    ),
    ("sdk-task", task(Resource="arn:aws:states:::aws-sdk:s3:listBuckets")),
    ("activity-task", task(Resource="arn:aws:states:us-east-1:111111111111:activity:a")),
    ("sync-in-standard", task(Resource="arn:aws:states:::states:startExecution.sync:2")),
    ("token-in-standard", task(Resource="arn:aws:states:::lambda:invoke.waitForTaskToken")),
    ("paths-in-task", task(TimeoutSecondsPath="$.t", HeartbeatSecondsPath="$$.Execution.Input.h")),
    (
        "catch-to-handler",
        catch({"ErrorEquals": ["States.ALL"], "Next": "H", "ResultPath": "$.err"}),
    ),
    (
        "choice-all-forms",
        choice(
            rule(
                And=[
                    {"Variable": "$.a", "StringMatches": "x*"},
                    {"Not": {"Variable": "$.b", "IsPresent": True}},
                ]
            ),
            rule(
                Or=[
                    {"Variable": "$.c[0]", "NumericGreaterThanPath": "$.d"},
                    {"Variable": "$$.Execution.Input.e", "TimestampEquals": "2016-08-18T17:33:00Z"},
                ]
            ),
            rule(Variable="$x.y", BooleanEquals=False, Assign={"seen": True}),
        ),
    ),
    (
        "wait-forms",
        sm(
            {
                "A": {"Type": "Wait", "Seconds": 0, "Next": "B"},
                "B": {"Type": "Wait", "SecondsPath": "$.s", "Next": "C"},
                "C": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z", "Next": "D"},
                "D": {"Type": "Wait", "TimestampPath": "$.t", "End": True},
            }
        ),
    ),
    (
        "fail-forms",
        sm(
            {
                "A": {
                    "Type": "Choice",
                    "Choices": [rule(Variable="$.x", IsNull=True)],
                    "Default": "F",
                },
                "B": {
                    "Type": "Fail",
                    "ErrorPath": "$.e",
                    "CausePath": "States.Format('bad {}', $.c)",
                },
                "F": {"Type": "Fail", "Error": "E", "Cause": "C"},
            }
        ),
    ),
    ("parallel", parallel(branch({"B": END}), branch({"C": {"Type": "Succeed"}}))),
    (
        "map-legacy",
        one(
            {
                "Type": "Map",
                "End": True,
                "ItemsPath": "$.items",
                "MaxConcurrency": 0,
                "Parameters": {"v.$": "$$.Map.Item.Value"},
                "Iterator": branch({"I": END}),
            }
        ),
    ),
    (
        "map-distributed",
        distributed(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "Parameters": {"Bucket": "b", "Key": "k"},
                "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
            },
            ItemBatcher={"MaxItemsPerBatch": 10, "BatchInput": {"a": 1}},
            ResultWriter={
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "b", "Prefix": "p"},
            },
            ToleratedFailurePercentage=5.5,
            ToleratedFailureCountPath="$.n",
            Label="MyMap",
            MaxConcurrencyPath="$.m",
        ),
    ),
    (
        "jsonata-machine",
        sm(
            {
                "A": {
                    "Type": "Task",
                    "Resource": LAMBDA,
                    "Arguments": {"x": "{% $states.input.x %}"},
                    "Output": "{% $states.result %}",
                    "TimeoutSeconds": "{% $t %}",
                    "Catch": [
                        {
                            "ErrorEquals": ["States.ALL"],
                            "Next": "C",
                            "Output": {},
                            "Assign": {"e": "{% $states.errorOutput %}"},
                        }
                    ],
                    "Next": "C",
                },
                "C": {
                    "Type": "Choice",
                    "Choices": [
                        {"Condition": "{% $x > 1 %}", "Next": "M", "Output": 1, "Assign": {"y": 2}}
                    ],
                    "Default": "W",
                },
                "M": {
                    "Type": "Map",
                    "Items": "{% [1, 2] %}",
                    "ItemSelector": {"v": "{% $states.context %}"},
                    "MaxConcurrency": "{% $m %}",
                    "ItemProcessor": branch({"I": END}),
                    "Next": "W",
                },
                "W": {"Type": "Wait", "Seconds": "{% 1 %}", "Next": "F"},
                "F": {"Type": "Fail", "Error": "{% 'E' %}", "Cause": "plain"},
            },
            QueryLanguage="JSONata",
        ),
    ),
    (
        "jsonata-state-in-jsonpath-machine",
        sm({"A": {**END, "QueryLanguage": "JSONata", "Output": "{% 1 %}"}}),
    ),
]


@pytest.mark.parametrize("definition", [pytest.param(d, id=i) for i, d in VALID])
def test_valid_definition_has_no_error(definition):
    assert [d for d in validate(definition) if d.severity == ERROR] == []


def test_all_problems_are_reported_at_once():
    diags = validate(
        {
            "StartAt": "A",
            "Foo": 1,
            "States": {
                "A": {"Type": "Pass", "Next": "Nope"},
                "B": {"Type": "Task", "End": True, "Retry": [{"ErrorEquals": []}]},
            },
        }
    )
    assert [(d.code, d.location) for d in diags] == [
        ("SCHEMA_VALIDATION_FAILED", "/Foo"),
        ("SCHEMA_VALIDATION_FAILED", "/States/B"),
        ("SCHEMA_VALIDATION_FAILED", "/States/B/Retry/0/ErrorEquals"),
        ("MISSING_TRANSITION_TARGET", "/States/A/Next"),
        ("MISSING_TRANSITION_TARGET", "/States/B"),
    ]


def test_messages_follow_aws_wording():
    diags = validate(sm({"pass1": {"Type": "Pass", "Next": "pass3"}, "pass2": END}))
    assert format_invalid_definition(diags) == (
        "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 "
        'at /States/pass1/Next, MISSING_TRANSITION_TARGET: State "pass2" is not reachable. at '
        "/States/pass2'"
    )


def test_format_skips_warnings_and_empty_locations():
    diags = [
        Diagnostic(ERROR, "SCHEMA_VALIDATION_FAILED", "Definition must be a valid JSON object"),
        Diagnostic(WARNING, "NO_DOLLAR", "w", "/States/A/Parameters"),
    ]
    assert format_invalid_definition(diags) == (
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Definition must be a valid "
        "JSON object'"
    )


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        (
            "arn:aws:states:::states:startExecution.sync",
            "Express state machine does not support '.sync' service integration",
        ),
        (
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Express state machine does not support '.waitForTaskToken' service integration ",
        ),
    ],
)
def test_express_rejects_sync_and_callbacks(resource, message):
    definition = task(Resource=resource)
    assert validate(definition) == []
    assert validate(definition, machine_type="EXPRESS") == [
        Diagnostic(ERROR, "SCHEMA_VALIDATION_FAILED", message, "/States/A/Resource")
    ]


@pytest.mark.parametrize(
    ("text", "message", "location"),
    [
        (
            '{"StartAt": tru}',
            "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', "
            "'true' or 'false')",
            '[Source: (String)"{"StartAt": tru}"; line: 1, column: 16]',
        ),
        (
            '{"StartAt" "A"}',
            "Unexpected character ('\"' (code 34)): was expecting a colon to separate field name and value",
            '[Source: (String)"{"StartAt" "A"}"; line: 1, column: 13]',
        ),
        (
            '{"a": [1 2]}',
            "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries",
            '[Source: (String)"{"a": [1 2]}"; line: 1, column: 11]',
        ),
        (
            '{"a": 1,\n "b": ',
            "Unexpected end-of-input: expected close marker for Object (start marker at [Source: "
            '(String)"{"a": 1,\n "b": "; line: 1, column: 2])',
            '[Source: (String)"{"a": 1,\n "b": "; line: 2, column: 7]',
        ),
    ],
)
def test_invalid_json_is_reported_as_jackson_does(text, message, location):
    assert validate(text) == [
        Diagnostic(ERROR, "INVALID_JSON_DESCRIPTION", f"{message}\n at {location}", location)
    ]


@pytest.mark.parametrize(
    ("text", "code", "location"),
    [
        (
            '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true},'
            ' "A": {"Type": "Pass", "End": true}}}',
            "DUPLICATE_STATE_NAME",
            "/States/A",
        ),
        (
            '{"StartAt": "A", "States": {"A": {"Type": "Pass", "Type": "Pass", "End": true}}}',
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Type",
        ),
    ],
)
def test_duplicate_keys_in_text(text, code, location):
    assert (code, location) in [(d.code, d.location) for d in validate(text)]


@pytest.mark.parametrize(
    ("definition", "code", "location"),
    [
        (one({**END, "Parameters": {"x": "$.a"}}), "NO_DOLLAR", "/States/A/Parameters"),
        (one({**END, "Result": {"x.$": "$.a"}}), "PASS_RESULT_IS_STATIC", "/States/A/Result"),
        (fail(Error="$.error"), "NO_PATH", "/States/A/Error"),
        (
            choice(rule(Variable="$.x", StringEquals="$.y")),
            "NO_PATH",
            "/States/A/Choices/0/StringEquals",
        ),
    ],
)
def test_warnings(definition, code, location):
    diags = validate(definition)
    assert [(d.severity, d.code, d.location) for d in diags] == [(WARNING, code, location)]
    assert validation_response(definition) == {
        "result": "OK",
        "diagnostics": [],
        "truncated": False,
    }
    assert validation_response(definition, severity=WARNING)["diagnostics"][0]["code"] == code


def test_validation_response_truncates():
    definition = sm({f"S{i}": END for i in range(5)})  # four unreachable states
    response = validation_response(definition, max_results=2)
    assert response["result"] == "FAIL"
    assert response["truncated"] is True
    assert [d["location"] for d in response["diagnostics"]] == ["/States/S1", "/States/S2"]


# ---- robustness: any JSON value yields diagnostics, never an exception ----------------------
_KEYS = [
    "StartAt",
    "States",
    "Type",
    "Next",
    "End",
    "Choices",
    "Variable",
    "And",
    "Not",
    "StringEquals",
    "Branches",
    "ItemProcessor",
    "Iterator",
    "ProcessorConfig",
    "Mode",
    "Retry",
    "Catch",
    "ErrorEquals",
    "Parameters",
    "x.$",
    "Assign",
    "QueryLanguage",
    "Seconds",
    "Timestamp",
    "ErrorPath",
    "Resource",
    "Credentials",
    "ItemReader",
    "A",
    "B",
]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False),
    st.sampled_from(
        [
            "A",
            "B",
            "$",
            "$.a",
            "$$.Map",
            "States.ALL",
            "Pass",
            "Task",
            "Choice",
            "Map",
            "Parallel",
            "JSONata",
            "{% 1 %}",
            "{%",
            "States.Format('{}', $.a)",
            "DISTRIBUTED",
            LAMBDA,
        ]
    ),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(_KEYS), inner, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_any_json_is_diagnosed_without_exception(value):
    diags = validate(value)
    assert all(isinstance(d, Diagnostic) for d in diags)
    if not isinstance(value, dict):
        assert diags and diags[0].severity == ERROR


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{}[]":,0123456789 ntrueflsa\\\n', max_size=40))
def test_any_text_is_diagnosed_without_exception(text):
    assert all(isinstance(d, Diagnostic) for d in validate(text))


def test_nesting_deeper_than_the_stack_is_reported():
    [diag] = validate("[" * 100_000 + "]" * 100_000)
    assert (diag.code, diag.location) == ("TOO_DEEPLY_NESTED", "")
