"""The Task state: hand an :class:`~orchestrator.asl.runtime.Invoke` command to the driver.

AWS: "A Task state represents a single unit of work performed by a state machine." The
interpreter never performs the work: it awaits an ``Invoke`` the driver completes with the
result (or fails with a :class:`StatesError`; transport errors are turned into ASL error
names by the Task resources, not here). ``TimeoutSeconds`` is enforced here by racing the
Invoke against a ``Sleep`` (no thread per attempt): "If the task runs longer than the
specified seconds, this state fails with a States.Timeout error name". Heartbeats arrive
at the driver (SendTaskHeartbeat), so the driver fails the Invoke with
``States.HeartbeatTimeout`` when they stop; ``heartbeat_seconds`` tells it the period.

History (GetExecutionHistory): a Lambda function ARN records ``LambdaFunctionScheduled /
Started / Succeeded | Failed | TimedOut``; an optimised integration
(``arn:aws:states:::lambda:invoke``, ``http:invoke``, ...) records ``TaskScheduled /
Started / Succeeded | Failed | TimedOut`` with ``resourceType`` (``lambda``) and
``resource`` (``invoke``).
"""

from __future__ import annotations

from datetime import timedelta

from .. import resources
from ..document import Doc
from ..errors import HEARTBEAT_TIMEOUT, REDRIVE_ATTEMPT, TIMEOUT, StatesError
from ..runtime import (
    ACTIVITY_CHECK,
    ACTIVITY_PICKUP,
    NOT_SUBMITTED,
    TASK_TIMEOUT,
    ActivityWait,
    Invoke,
    Sleep,
    Submitted,
    first_of,
    spawn,
    yield_now,
)
from .retry_catch import retry_catch

_NOT_TRUNCATED = {"truncated": False}


def _resource_kind(resource: str) -> tuple[str, str | None, str | None]:
    """(kind, resourceType, resource) for the history events: a service integration
    records its service (``lambda``) and action with its pattern (``invoke.waitForTaskToken``,
    ``startExecution.sync:2``)."""
    parsed = resources.parse(resource)
    if parsed is None:
        return resources.SERVICE, "unknown", resource
    if parsed.kind == resources.SERVICE:
        return parsed.kind, parsed.service, parsed.action + parsed.pattern
    return parsed.kind, None, None


class _Events:
    """The per-attempt events of one resource kind."""

    __slots__ = ("frame", "kind", "details", "_region")

    def __init__(self, frame, kind, resource_type, resource, region):
        self.frame = frame
        self.kind = kind
        self.details = {"resource": resource, "resourceType": resource_type}
        self._region = region

    def scheduled(self, state, parameters: Doc, timeout, heartbeat):
        if self.kind == "lambda-function":
            details = {
                "input": parameters.text,
                "inputDetails": _NOT_TRUNCATED,
                "resource": state.resource,
            }
            if timeout is not None:
                details["timeoutInSeconds"] = timeout
            self.frame.event("LambdaFunctionScheduled", details)
        elif self.kind == "activity":
            details = {
                "input": parameters.text,
                "inputDetails": _NOT_TRUNCATED,
                "resource": state.resource,
            }
            if timeout is not None:
                details["timeoutInSeconds"] = timeout
            if heartbeat is not None:
                details["heartbeatInSeconds"] = heartbeat
            self.frame.event("ActivityScheduled", details)
        else:
            details = {"parameters": parameters.text, "region": self._region, **self.details}
            if timeout is not None:
                details["timeoutInSeconds"] = timeout
            if heartbeat is not None:
                details["heartbeatInSeconds"] = heartbeat
            self.frame.event("TaskScheduled", details)

    def started(self, worker: dict | None = None):
        if self.kind == "lambda-function":
            self.frame.event("LambdaFunctionStarted")
        elif self.kind == "activity":
            self.frame.event("ActivityStarted", dict(worker or {}))
        else:
            self.frame.event("TaskStarted", dict(self.details))

    def submitted(self, response: Doc):
        details = {"output": response.text, "outputDetails": _NOT_TRUNCATED, **self.details}
        self.frame.event("TaskSubmitted", details)

    def _prefix(self):
        return {"lambda-function": "LambdaFunction", "activity": "Activity"}.get(self.kind, "Task")

    def succeeded(self, result: Doc):
        details = {"output": result.text, "outputDetails": _NOT_TRUNCATED}
        if self.kind == "service":
            details.update(self.details)
        self.frame.event(self._prefix() + "Succeeded", details)

    def failed(self, err: StatesError, timed_out: bool):
        details = {} if self.kind != "service" else dict(self.details)
        if err.error is not None:
            details["error"] = err.error
        if err.cause:  # AWS omits an empty cause (recorded TaskTimedOut events)
            details["cause"] = err.cause
        self.frame.event(self._prefix() + ("TimedOut" if timed_out else "Failed"), details)


def _invoke(state, parameters: Doc, run, timeout, heartbeat) -> Invoke:
    """The call of one attempt; its ``key`` is the same for every attempt of this state
    entry (the Task resources' idempotency key)."""
    inspector = run.frame.env.inspector
    return Invoke(
        resource=state.resource,
        parameters=parameters.value,
        state_name=state.name,
        key=f"{run.frame.env.info.execution_arn}#{run.entered_id}",
        attempt=run.retry_count,
        timeout_seconds=timeout,
        heartbeat_seconds=heartbeat,
        task_token=run.task_token,
        context=run.context(),
        trace=None if inspector is None else inspector.http_trace(run),
    )


async def run_task(state, doc: Doc, run):
    io = state.io
    frame = run.frame
    env = frame.env
    kind, resource_type, resource = _resource_kind(state.resource)
    region = (
        env.info.state_machine_arn.split(":")[3]
        if env.info.state_machine_arn.count(":") >= 3
        else ""
    )
    events = _Events(frame, kind, resource_type, resource, region)
    wait_for_token = resources.is_callback(state.resource)
    parsed = resources.parse(state.resource)
    sync = parsed is not None and parsed.is_sync
    inspector = env.inspector
    mocked = inspector is not None and inspector.mock is not None and inspector.tests(run)
    if kind == resources.ACTIVITY and not mocked:
        return await retry_catch(
            state,
            run,
            doc,
            _again_when_redriven(run, lambda: _activity_attempt(state, doc, run, events)),
        )

    async def one_attempt() -> Doc:
        # A .sync Task has a token too ($$.Task.Token): SendTaskSuccess may answer it before
        # its job ends (recorded: callback/test_sync_with_task_token).
        if (wait_for_token or sync) and run.task_token is None:
            run.issue_task_token(env.effects.uuid())
        timeout = io.timeout_seconds(doc, run)
        heartbeat = io.heartbeat_seconds(doc, run)
        parameters = io.effective_input(doc, run)
        events.scheduled(state, parameters, timeout, heartbeat)
        # AWS records "started" once the call is under way: concurrent iterations all record
        # their Scheduled events before any Started (timeouts/test_service_lambda_map_timeout).
        await yield_now()
        events.started()
        if mocked:  # TestState's mock stands for the call
            return await _reported(events, doc, run, _mocked(inspector, run))
        command = _invoke(state, parameters, run, timeout, heartbeat)
        deadline = None if timeout is None else env.now() + timedelta(seconds=timeout)
        if (wait_for_token or sync) and kind == resources.SERVICE:
            return await _reported(events, doc, run, _callback(command, deadline, events))
        return await _reported(events, doc, run, _bounded(command, deadline, command))

    return await retry_catch(state, run, doc, _again_when_redriven(run, one_attempt))


def _again_when_redriven(run, one_attempt):
    """The attempt, started again when RedriveExecution fails its command with
    ``REDRIVE_ATTEMPT`` (it had failed or timed out): a new ``...Scheduled``, a new call,
    the whole TimeoutSeconds again; not a retry (Retry counters are unchanged)."""

    async def attempt() -> Doc:
        while True:
            try:
                return await one_attempt()
            except StatesError as err:
                if err.error != REDRIVE_ATTEMPT:
                    raise
                run.redriven()

    return attempt


async def _activity_attempt(state, doc: Doc, run, events: _Events) -> Doc:
    """One attempt of an activity Task (developer guide, "Activities"): the task waits in
    the activity's queue until a worker takes it (``ActivityStarted`` with its
    ``workerName``), then for the worker's SendTaskSuccess / SendTaskFailure with the task
    token. ``TimeoutSeconds`` counts from ``ActivityScheduled`` and covers both waits (AWS
    records ``ActivityTimedOut`` with ``States.Timeout`` for a task no worker finished);
    ``HeartbeatSeconds`` counts from the pickup (the driver arms it with the Invoke)."""
    io = state.io
    env = run.frame.env
    await ActivityWait(state.resource, ACTIVITY_CHECK)  # States.Runtime when it is gone
    if run.task_token is None:
        run.issue_task_token(env.effects.uuid())
    timeout = io.timeout_seconds(doc, run)
    heartbeat = io.heartbeat_seconds(doc, run)
    parameters = io.effective_input(doc, run)
    events.scheduled(state, parameters, timeout, heartbeat)
    deadline = None if timeout is None else env.now() + timedelta(seconds=timeout)

    async def waits():
        pickup = ActivityWait(state.resource, ACTIVITY_PICKUP, parameters.text, run.task_token)
        worker = await _bounded(pickup, deadline)
        events.started(worker.value if isinstance(worker, Doc) else worker)
        return await _bounded(_invoke(state, parameters, run, timeout, heartbeat), deadline)

    return await _reported(events, doc, run, waits())


async def _callback(command: Invoke, deadline, events: _Events):
    """A ``.waitForTaskToken`` or ``.sync`` service integration: the Task waits for its
    token (or its job) while the request's own response (SQS SendMessage's,
    StartExecution's) is recorded as ``TaskSubmitted`` when it returns - before the
    outcome even when the outcome was quicker than the response."""
    waiter = await spawn(_submission(Submitted(command), events))
    await yield_now()  # the waiter blocks first: its Submitted is issued before the call
    try:
        result = await _bounded(command, deadline, command)
    except BaseException:
        waiter.cancel()
        raise
    await waiter
    return result


async def _submission(submitted: Submitted, events: _Events) -> None:
    try:
        response = await submitted
    except StatesError as err:
        if err.error == NOT_SUBMITTED:
            return
        raise
    events.submitted(response if isinstance(response, Doc) else Doc(response))


async def _mocked(inspector, run) -> Doc:
    """TestState's mocked result of this attempt (or its mocked error, raised)."""
    result = inspector.mocked(run)
    assert result is not None  # the caller checked that a mock is set for this state
    return result


async def _bounded(command, deadline, call: Invoke | None = None):
    """``command``'s result, or ``States.Timeout`` once ``deadline`` (TimeoutSeconds) passes
    first. ``call``: the ordinary call the timeout bounds (its clock starts with the call,
    see :class:`~orchestrator.asl.runtime.Sleep`); None for a wait (callback, activity)."""
    if deadline is None:
        return await command
    index, result = await first_of(command, Sleep(deadline, TASK_TIMEOUT, call))
    if index == 1:
        raise StatesError(TIMEOUT, None)
    return result


async def _reported(events: _Events, doc: Doc, run, work) -> Doc:
    """Await an attempt's ``work`` and record how it ended: ``...Succeeded`` and the state's
    output, or ``...Failed`` / ``...TimedOut`` (not for a redrive's restart of the attempt,
    which is not an outcome)."""
    try:
        result = await work
    except StatesError as err:
        if err.error != REDRIVE_ATTEMPT:
            events.failed(err, timed_out=err.error in (TIMEOUT, HEARTBEAT_TIMEOUT))
        raise
    result_doc = result if isinstance(result, Doc) else Doc(result)
    events.succeeded(result_doc)
    inspector = run.frame.env.inspector
    if inspector is not None:
        inspector.step(run, "result", result_doc)
    return run.state.io.state_output(doc, result_doc, run)
