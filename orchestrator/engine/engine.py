"""The AWS operations of the engine: state machines, executions, history, callbacks.

One method per AWS operation, named in snake_case, taking the request dict with AWS's
member names (botocore's input shape, already type-checked by the API layer) and returning
the response dict in AWS's output shape (timestamps as aware datetimes); semantic errors
raise :class:`ApiError` with AWS's codes and messages. How executions are driven and made
durable is :mod:`orchestrator.engine.driver`: the engine *has* a driver (and the store) and
uses only their public methods.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid as uuidlib
from collections import OrderedDict
from pathlib import Path
from typing import Any

from orchestrator.asl import document
from orchestrator.asl.errors import TIMEOUT
from orchestrator.asl.mock_config import split_case
from orchestrator.asl.test_state import TestStateInvalid, test_state_request
from orchestrator.asl.validator import format_invalid_definition, validate, validation_response

from . import logs, tags
from .arns import (
    activity_arn,
    check_name,
    execution_arn,
    execution_parts,
    express_arn,
    is_version,
    machine_arn,
    parse_arn,
    split_machine_arn,
)
from .clock import from_us, real_us
from .config import EngineConfig
from .driver import CLOSED, Driver
from .errors import ApiError, StoreUnavailable
from .journal import Completion, Heartbeat, MapRunUpdate, Stop
from .map_runs import KIND as MAP_RUN
from .map_runs import processor_definition
from .nested import NestedExecutions
from .retention import Retention
from .run import Run
from .store import SqliteStore, Store
from .versions import Versions, not_found

__all__ = ["Engine", "EngineConfig"]

REDRIVABLE_STATUSES = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})
REDRIVE_WINDOW_US = 14 * 24 * 3600 * 1_000_000  # AWS: "within 14 days"
# ListExecutions with a redriveFilter reads at most this many executions for one page.
MAX_FILTERED_SCAN = 10_000


_DEFAULT_PAGE = 100
_MAX_PAGE = 1000
_EXPRESS_KEEP = 1000  # finished EXPRESS executions kept in memory (they are not journaled)
_EXPRESS_EVENTS_KEPT = 250_000  # ... and at most this many history events among them
_SYNC_LIMIT_SECONDS = 300  # EXPRESS maximum duration


def _page_token(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def _read_token(token: str | None, kind: str, message: str | None = None) -> Any:
    if token is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if isinstance(data, dict) and data.get("k") == kind:
            return data["v"]
    except (ValueError, TypeError, KeyError):
        pass
    raise ApiError("InvalidToken", message or f"Invalid Token: '{token}'")


def _page(items: list, request: dict, kind: str, key: str, render) -> dict:
    """One page of ``items`` (already in AWS's order) under ``key``, with ``nextToken``."""
    size = _page_size(request.get("maxResults"))
    start = _read_token(request.get("nextToken"), kind, "Invalid Token: 'Invalid token'") or 0
    if not isinstance(start, int) or start < 0:
        raise ApiError("InvalidToken", "Invalid Token: 'Invalid token'")
    out: dict = {key: [render(item) for item in items[start : start + size]]}
    if start + size < len(items):
        out["nextToken"] = _page_token({"k": kind, "v": start + size})
    return out


def _page_size(value: Any) -> int:
    if value is None or value == 0:
        return _DEFAULT_PAGE
    if not isinstance(value, int) or value < 0 or value > _MAX_PAGE:
        raise ApiError(
            "ValidationException",
            f"1 validation error detected: Value '{value}' at 'maxResults' failed to "
            f"satisfy constraint: Member must have value less than or equal to 1000",
        )
    return value


def _dt(us: int | None):
    return None if us is None else from_us(us)


def open_store(config: EngineConfig) -> Store:
    """The store ``config`` names: PostgreSQL at ``database_url`` when set, else the SQLite
    file ``db_path``."""
    if config.database_url:
        from .pg_store import PostgresStore  # psycopg is imported only when it is used

        return PostgresStore(config.database_url)
    return SqliteStore(config.db_path)


class Engine:
    """See the module docstring. Thread-safe: API calls may come from any thread.

    ``store``: a :class:`~.store.Store` to use instead of the one ``config`` names (the
    engine closes it)."""

    def __init__(self, config: EngineConfig | None = None, store: Store | None = None) -> None:
        self.config = config or EngineConfig()
        self.store: Store | None = store
        self._driver: Driver | None = None
        self._lock = threading.Lock()  # state-machine and execution-name changes
        self._express: OrderedDict[str, Run] = OrderedDict()
        self._versions: Versions | None = None
        self._nested: NestedExecutions | None = None
        self._retention: Retention | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> Engine:
        """Open the journal (a corrupt one is refused: JournalCorrupt) and start driving;
        executions that were running resume in the background."""
        if self._driver is not None:
            return self
        if self.store is None:
            self.store = open_store(self.config)
        # Journals kept for RedriveExecution, of executions past its 14 days: never read.
        self.store.drop_closed_journals(real_us() - REDRIVE_WINDOW_US)
        self._versions = Versions(self.store, self.config.routing_seed)
        # Assigned before it starts: a resumed execution may end (and call _finished, which
        # needs the driver and the versions) before Driver.start() returns.
        self._nested = NestedExecutions(self)
        self._driver = Driver(
            self.config, self.store, on_finished=self._finished, local=self._nested
        )
        self._nested.attach(self._driver)
        self._driver.start()
        cfg = self.config
        self._retention = Retention(self.store, cfg.retention_days, cfg.retention_sweep_seconds)
        self._retention.start()
        return self

    def close(self) -> None:
        if self._retention is not None:
            self._retention.close()
            self._retention = None
        if self._driver is not None:
            self._driver.close()
            self._driver = None
        if self._nested is not None:
            self._nested.close()
            self._nested = None
        if self.store is not None:
            self.store.close()
            self.store = None

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def unavailable(self, probe: bool = False) -> str | None:
        """Why the engine cannot take writes now (its journal cannot be written), or None."""
        return self._running().unavailable(probe)

    def task_config(self) -> Any:
        """The Task configuration (endpoint map, Lambda map, ...) the engine's Task
        resources run with; None when it was given a custom invoker and no such config."""
        return self._running().task_config

    def sweep_retention(self, now_us: int | None = None) -> int:
        """Delete now the closed executions past ``retention_days`` (as of ``now_us``, the
        wall clock by default; :mod:`.retention`); returns how many were deleted."""
        self._running()
        assert self._retention is not None  # created with the driver
        return self._retention.sweep(now_us)

    def stats(self) -> dict[str, int]:
        """The driver's counts (see :meth:`Driver.stats`)."""
        return self._running().stats()

    def wait_resumed(self, timeout: float | None = None) -> bool:
        """Block until every execution found RUNNING at start has been replayed."""
        return self._running().wait_resumed(timeout)

    def _running(self) -> Driver:
        if self._driver is None:
            raise RuntimeError("Engine.start() has not been called")
        return self._driver

    def _require_started(self) -> Store:
        self._running()
        assert self.store is not None  # set by start(), cleared by close() after the driver
        return self.store

    def _finished(self, run: Run) -> None:
        """An execution's end is committed (on an activator thread)."""
        if self._nested is not None:
            self._nested.finished(run)
        if run.durable:
            machine = self._require_started().get_machine(run.row["sm_arn"])
            if machine is not None and machine["status"] == "DELETING":
                self._purge_if_idle(machine)

    def _machine(self, arn: str) -> dict:
        parse_arn(arn, "stateMachine")
        machine = self._require_started().get_machine(arn)
        if machine is not None and machine["status"] == "DELETING":
            machine = self._purge_if_idle(machine)
        if machine is None:
            raise ApiError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        return machine

    def _purge_if_idle(self, machine: dict) -> dict | None:
        """DeleteStateMachine: "A state machine is deleted only when all its executions are
        completed" — until then it is DELETING. Its versions and aliases go with it."""
        if self._require_started().count_running(machine["arn"]) == 0:
            self._versions_of().forget_machine(machine["arn"])
            self._require_started().remove_machine(machine["arn"])
            return None
        return machine

    def _versions_of(self) -> Versions:
        self._running()
        assert self._versions is not None  # set by start()
        return self._versions

    def _unqualified(self, arn: str) -> dict:
        """The state machine of an unqualified ARN; a version or alias ARN names no state
        machine that can be changed (AWS: StateMachineDoesNotExist)."""
        _, qualifier = split_machine_arn(arn)
        if qualifier is not None:
            raise ApiError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        return self._machine(arn)

    def _publish(self, machine: dict, description: str | None) -> str:
        version = self._versions_of().publish(machine, description)
        self._require_started().put_machine(machine)  # its version counter
        return version["arn"]

    def _check_definition(self, definition: str, machine_type: str) -> None:
        errors = [
            d for d in validate(definition, machine_type=machine_type) if d.severity == "ERROR"
        ]
        if errors:
            raise ApiError("InvalidDefinition", format_invalid_definition(errors))
        try:
            document.parse(definition)  # lone surrogates, non-finite numbers, depth
        except document.InvalidJson as exc:
            raise ApiError(
                "InvalidDefinition", f"Invalid State Machine Definition: '{exc}'"
            ) from None
        try:
            self._running().parse(definition)
        except Exception as exc:  # the validator passed it but the builder did not
            raise ApiError(
                "InvalidDefinition", f"Invalid State Machine Definition: '{exc}'"
            ) from None

    def execution_row(self, arn: str) -> dict | None:
        """The execution's row (a running one's as it is now), or None when there is none."""
        try:
            return self._as_row(self._execution_row(arn))
        except ApiError:
            return None

    def _execution_row(self, arn: str) -> dict | Run:
        execution_parts(arn)
        run = self._express.get(arn)
        if run is None:
            active = self._running().active(arn)
            if active is not None and not active.durable:
                return active
            row = self._require_started().get_execution(arn)
            if row is not None:
                return row
            raise ApiError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")
        return run

    @staticmethod
    def _as_row(found: dict | Run) -> dict:
        if isinstance(found, Run):
            row = dict(found.row)
            if found.result_row:
                row.update(found.result_row)
            return row
        return found

    # -- state machines ------------------------------------------------------------------------
    def create_state_machine(self, request: dict) -> dict:
        """CreateStateMachine. "CreateStateMachine is an idempotent API ... based on the state
        machine name, definition, type, LoggingConfiguration, TracingConfiguration ... If a
        following request has a different roleArn or tags, Step Functions will ignore these
        differences"; otherwise an existing name is ``StateMachineAlreadyExists``."""
        store = self._require_started()
        name = request["name"]
        check_name(name)
        definition = request["definition"]
        machine_type = request.get("type") or "STANDARD"
        role = request["roleArn"]
        if not isinstance(role, str) or not role.startswith("arn:"):
            raise ApiError("InvalidArn", f"Invalid Arn: 'Invalid ARN prefix: {role}'")
        self._check_definition(definition, machine_type)
        cfg = self.config
        arn = machine_arn(cfg.partition, cfg.region, cfg.account, name)
        logging_config = logs.normalize_logging(request.get("loggingConfiguration"))
        if logging_config.get("level") not in logs.LEVELS:
            raise ApiError(
                "InvalidLoggingConfiguration",
                f"Invalid Logging Configuration: level {logging_config['level']!r}",
            )
        tracing = request.get("tracingConfiguration") or {"enabled": False}
        publish = bool(request.get("publish"))
        _check_version_description(request, publish)
        machine_tags = tags.check_tags(request.get("tags"))
        tags.merged([], machine_tags, arn)  # at most 50
        with self._lock:
            existing = store.get_machine(arn)
            if existing is not None and existing["status"] == "DELETING":
                if self._purge_if_idle(existing) is not None:
                    raise ApiError(
                        "StateMachineDeleting", f"State machine is being deleted: '{arn}'"
                    )
                existing = None
            if existing is not None:
                same = (
                    existing["definition"] == definition
                    and existing["type"] == machine_type
                    and existing["loggingConfiguration"] == logging_config
                    and existing["tracingConfiguration"] == tracing
                )
                if not same:
                    raise ApiError(
                        "StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'"
                    )
                out = {"stateMachineArn": arn, "creationDate": from_us(existing["creation_us"])}
                if publish:
                    out["stateMachineVersionArn"] = self._publish(
                        existing, request.get("versionDescription")
                    )
                return out
            now = real_us()
            machine = {
                "arn": arn,
                "name": name,
                "definition": definition,
                "roleArn": role,
                "type": machine_type,
                "creation_us": now,
                "update_us": None,
                "loggingConfiguration": logging_config,
                "tracingConfiguration": tracing,
                "revisionId": None,
                "status": "ACTIVE",
                "tags": machine_tags,
                "version_counter": 0,
            }
            store.put_machine(machine)
            out = {"stateMachineArn": arn, "creationDate": from_us(now)}
            if publish:
                out["stateMachineVersionArn"] = self._publish(
                    machine, request.get("versionDescription")
                )
        return out

    def update_state_machine(self, request: dict) -> dict:
        """UpdateStateMachine: "Executions that are running ... continue to use the previous
        definition and roleArn" (each execution keeps a copy of its definition)."""
        arn = request["stateMachineArn"]
        fields = ("definition", "roleArn", "loggingConfiguration", "tracingConfiguration")
        publish = bool(request.get("publish"))
        _check_version_description(request, publish)
        if all(request.get(f) is None for f in fields) and not publish:
            raise ApiError(
                "MissingRequiredParameter",
                "Either the definition, the role ARN, the LoggingConfiguration, "
                "or the TracingConfiguration must be specified",
            )
        with self._lock:
            machine = self._unqualified(arn)
            before = {f: machine[f] for f in fields}
            if request.get("definition") is not None:
                self._check_definition(request["definition"], machine["type"])
                machine["definition"] = request["definition"]
            if request.get("roleArn") is not None:
                role = request["roleArn"]
                if not isinstance(role, str) or not role.startswith("arn:"):
                    raise ApiError("InvalidArn", f"Invalid Arn: 'Invalid ARN prefix: {role}'")
                machine["roleArn"] = role
            if request.get("loggingConfiguration") is not None:
                machine["loggingConfiguration"] = logs.normalize_logging(
                    request["loggingConfiguration"]
                )
            if request.get("tracingConfiguration") is not None:
                machine["tracingConfiguration"] = request["tracingConfiguration"]
            now = real_us()
            # A new revision only when something changed (AWS: an UpdateStateMachine that
            # changes nothing leaves revisionId as it was).
            if any(machine[f] != before[f] for f in fields):
                machine["update_us"] = now
                machine["revisionId"] = str(uuidlib.uuid4())
            self._require_started().put_machine(machine)
            out: dict[str, Any] = {"updateDate": from_us(now)}
            if machine.get("revisionId"):
                out["revisionId"] = machine["revisionId"]
            if publish:
                out["stateMachineVersionArn"] = self._publish(
                    machine, request.get("versionDescription")
                )
        return out

    def delete_state_machine(self, request: dict) -> dict:
        """DeleteStateMachine: "sets the state machine's status to DELETING ... A state machine
        is deleted only when all its executions are completed"; deleting an unknown one
        succeeds."""
        arn = request["stateMachineArn"]
        _, qualifier = split_machine_arn(arn)
        if qualifier is not None:
            raise ApiError(
                "ValidationException",
                f"To delete a version or an alias, call DeleteStateMachineVersion or "
                f"DeleteStateMachineAlias: '{arn}'",
            )
        store = self._require_started()
        with self._lock:
            machine = store.get_machine(arn)
            if machine is not None:
                machine["status"] = "DELETING"
                store.put_machine(machine)
                self._purge_if_idle(machine)
        return {}

    def describe_state_machine(self, request: dict) -> dict:
        """DescribeStateMachine; "If you specify a state machine version ARN, this API returns
        details about that version"."""
        arn = request["stateMachineArn"]
        base, qualifier = split_machine_arn(arn)
        if qualifier is not None:
            return self._describe_version(arn, base, qualifier)
        m = self._machine(arn)
        out = {
            "stateMachineArn": m["arn"],
            "name": m["name"],
            "status": m["status"],
            "definition": m["definition"],
            "roleArn": m["roleArn"],
            "type": m["type"],
            "creationDate": from_us(m["creation_us"]),
            "loggingConfiguration": m["loggingConfiguration"],
            "tracingConfiguration": m["tracingConfiguration"],
        }
        if m.get("revisionId"):
            out["revisionId"] = m["revisionId"]
        # Not in AWS's output shape (the AWS protocol and the REST facade drop it): the
        # console compares it before saving over a machine changed meanwhile.
        out["updateDate"] = from_us(m.get("update_us") or m["creation_us"])
        return out

    def _describe_version(self, arn: str, base: str, qualifier: str) -> dict:
        self._machine(base)
        version = self._versions_of().version(arn) if is_version(qualifier) else None
        if version is None:
            raise ApiError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        out = {
            "stateMachineArn": arn,
            "name": version["name"],
            "status": "ACTIVE",
            "definition": version["definition"],
            "roleArn": version["roleArn"],
            "type": version["type"],
            "creationDate": from_us(version["creation_us"]),
            "loggingConfiguration": version["loggingConfiguration"],
            "tracingConfiguration": version["tracingConfiguration"],
        }
        if version.get("revisionId"):
            out["revisionId"] = version["revisionId"]
        if version.get("description") is not None:
            out["description"] = version["description"]
        return out

    def list_state_machines(self, request: dict) -> dict:
        """ListStateMachines: oldest first; the token holds the (creation date, name) of the
        page's last machine, and the next page is read by keyset from there."""
        store = self._require_started()
        size = _page_size(request.get("maxResults"))
        after = _read_token(request.get("nextToken"), "sm")
        if after is not None:
            if not (
                isinstance(after, list)
                and len(after) == 2
                and type(after[0]) is int
                and isinstance(after[1], str)
            ):
                raise ApiError("InvalidToken", f"Invalid Token: '{request.get('nextToken')}'")
            after = (after[0], after[1])
        machines = store.machines_page(after, size + 1)
        page = machines[:size]
        out: dict = {
            "stateMachines": [
                {
                    "stateMachineArn": m["arn"],
                    "name": m["name"],
                    "type": m["type"],
                    "creationDate": from_us(m["creation_us"]),
                }
                for m in page
            ]
        }
        if len(machines) > size:
            last = page[-1]
            out["nextToken"] = _page_token({"k": "sm", "v": [last["creation_us"], last["name"]]})
        return out

    def describe_state_machine_for_execution(self, request: dict) -> dict:
        """The definition the execution runs (updates after it started do not change it).
        A Map Run's child execution: "The state machine returned is the state machine
        associated with the Map Run" (its ARN ``...:stateMachine:NAME/LABEL``, the Map
        state's ItemProcessor as its definition), with ``mapRunArn`` and ``label``."""
        row = self._as_row(self._execution_row(request["executionArn"]))
        if row.get("map_run_arn"):
            out = self.describe_state_machine_for_execution({"executionArn": row["parent_arn"]})
            out.update(
                stateMachineArn=row["sm_arn"],
                name=row["sm_arn"].rsplit(":", 1)[1],
                definition=processor_definition(out["definition"], row["label"]),
                mapRunArn=row["map_run_arn"],
                label=row["label"],
            )
            return out
        out = {
            "stateMachineArn": row["sm_arn"],
            "name": row["sm_arn"].rsplit(":", 1)[1],
            "definition": row["definition"],
            "roleArn": row["role_arn"],
            "updateDate": from_us(row["sm_update_us"]),
            "loggingConfiguration": row["logging"],
            "tracingConfiguration": row.get("tracing") or {"enabled": False},
        }
        if row.get("revision_id"):
            out["revisionId"] = row["revision_id"]
        return out

    def validate_state_machine_definition(self, request: dict) -> dict:
        return validation_response(
            request["definition"],
            machine_type=request.get("type") or "STANDARD",
            severity=request.get("severity") or "ERROR",
            max_results=request.get("maxResults") or 100,
        )

    def register_directory(self, path: str | Path, role_arn: str | None = None) -> list[str]:
        """Create or update a state machine for every ``*.asl.json`` in ``path``, named by
        the file stem (``order_flow.asl.json`` -> ``order_flow``)."""
        cfg = self.config
        role = role_arn or f"arn:{cfg.partition}:iam::{cfg.account}:role/StepFunctionsRole"
        arns = []
        for file in sorted(Path(path).glob("*.asl.json")):
            name = file.name[: -len(".asl.json")]
            definition = file.read_text(encoding="utf-8")
            arn = machine_arn(cfg.partition, cfg.region, cfg.account, name)
            try:
                current = self.describe_state_machine({"stateMachineArn": arn})
            except ApiError:
                current = None
            if current is None:
                self.create_state_machine({"name": name, "definition": definition, "roleArn": role})
            elif current["definition"] != definition:
                self.update_state_machine({"stateMachineArn": arn, "definition": definition})
            arns.append(arn)
        return arns

    # -- executions ---------------------------------------------------------------------------
    def _target(self, arn: str) -> dict:
        """What StartExecution with ``arn`` runs: the state machine (unqualified ARN), a
        version, or the version an alias picks by weight. A version's snapshot stands in
        for the machine, with ``version_arn`` (and ``alias_arn``) set."""
        base, qualifier = split_machine_arn(arn)
        machine = self._machine(base)
        if qualifier is None:
            return machine
        versions = self._versions_of()
        alias_arn = None
        if is_version(qualifier):
            version_arn = arn
        else:
            alias = versions.alias(arn)
            if alias is None:
                raise not_found()
            alias_arn, version_arn = arn, versions.pick(alias)
        version = versions.version(version_arn)
        if version is None:
            raise ApiError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        return {
            **machine,
            **{k: version[k] for k in ("definition", "roleArn", "type", "revisionId")},
            "loggingConfiguration": version["loggingConfiguration"],
            "tracingConfiguration": version["tracingConfiguration"],
            "update_us": version["creation_us"],
            "version_arn": version_arn,
            "alias_arn": alias_arn,
        }

    def _prepare_start(self, request: dict) -> tuple[dict, str, str]:
        arn, case = split_case(request["stateMachineArn"])
        machine = dict(self._target(arn))
        if case is not None:
            machine["mock_case"] = self._mock_case(machine, case)
        if machine["status"] == "DELETING":
            raise ApiError(
                "StateMachineDeleting", f"State machine is being deleted: '{machine['arn']}'"
            )
        name = request.get("name")
        if name is None:
            name = str(uuidlib.uuid4())
        check_name(name)
        input_text = request.get("input")
        if input_text is None:
            input_text = "{}"
        if len(input_text.encode("utf-8")) > self.config.payload_limit:
            raise ApiError(
                "ValidationException",
                "1 validation error detected: Value at 'input' failed to satisfy "
                f"constraint: Member must have length less than or equal to "
                f"{self.config.payload_limit}",
            )
        try:
            document.parse(input_text)
        except document.InvalidJson as exc:
            raise ApiError(
                "InvalidExecutionInput", f"Invalid State Machine Execution Input: '{exc}'"
            ) from None
        return machine, name, input_text

    def _mock_case(self, machine: dict, case: str) -> str:
        """Step Functions Local's ``StateMachineArn#Case``: the test case must be in the
        mock configuration, under the state machine's name."""
        mocks = self._running().mocks
        if mocks is None:
            raise ApiError(
                "ValidationException",
                f"No mock configuration is loaded, so there is no test case '{case}': name "
                f"the file with SFN_MOCK_CONFIG (or ORCHESTRATOR_MOCK_CONFIG)",
            )
        if mocks.case(machine["name"], case) is None:
            known = ", ".join(mocks.cases(machine["name"])) or "none"
            raise ApiError(
                "ValidationException",
                f"The mock configuration {mocks.source} has no test case '{case}' for the "
                f"state machine '{machine['name']}' (its test cases: {known})",
            )
        return case

    def _row(self, machine: dict, arn: str, name: str, input_text: str, request: dict) -> dict:
        row = {
            "arn": arn,
            "sm_arn": machine["arn"],
            "name": name,
            "status": "RUNNING",
            "start_us": real_us(),
            "stop_us": None,
            "input": input_text,
            "definition": machine["definition"],
            "role_arn": machine["roleArn"],
            "logging": machine["loggingConfiguration"],
            "tracing": machine["tracingConfiguration"],
            "revision_id": machine.get("revisionId"),
            "sm_update_us": machine.get("update_us") or machine["creation_us"],
            "type": machine["type"],
            "history_limit": self.config.history_limit,
        }
        if request.get("traceHeader") is not None:
            row["trace_header"] = request["traceHeader"]
        if request.get("started_by") is not None:
            row["started_by"] = request["started_by"]
        for key in ("version_arn", "alias_arn", "mock_case"):
            if machine.get(key) is not None:
                row[key] = machine[key]
        return row

    def start_execution(self, request: dict, started_by: str | None = None) -> dict:
        """StartExecution. "If StartExecution is called with the same name and input as a
        running execution, the call succeeds and return the same response as the original
        request. If the execution is closed or if the input is different, it returns a 400
        ExecutionAlreadyExists error." EXPRESS machines run without a journal.
        ``started_by``: the ARN of the execution whose Task starts this one (a nested
        workflow, :mod:`.nested`)."""
        machine, name, input_text = self._prepare_start(request)
        if started_by is not None:
            request = {**request, "started_by": started_by}
        if machine["type"] == "EXPRESS":
            arn = express_arn(machine["arn"], name, str(uuidlib.uuid4()))
            run = self._start_run(self._row(machine, arn, name, input_text, request), False)
            return {"executionArn": arn, "startDate": from_us(run.row["start_us"])}
        arn = execution_arn(machine["arn"], name)
        with self._lock:
            existing = self._require_started().get_execution(arn)
            if existing is not None:
                if existing["status"] == "RUNNING" and existing["input"] == input_text:
                    return {"executionArn": arn, "startDate": from_us(existing["start_us"])}
                raise ApiError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
            row = self._row(machine, arn, name, input_text, request)
            self._require_started().insert_execution(row)  # durable before we answer
        self._start_run(row, True)
        return {"executionArn": arn, "startDate": from_us(row["start_us"])}

    def _start_run(self, row: dict, durable: bool) -> Run:
        driver = self._running()
        run = driver.new_run(row, durable)
        with self._lock:
            if not durable:
                express = self._express
                express[run.arn] = run
                events = sum(kept.history.count for kept in express.values())
                while len(express) > 1 and (
                    len(express) > _EXPRESS_KEEP or events > _EXPRESS_EVENTS_KEPT
                ):
                    _, oldest = express.popitem(last=False)
                    events -= oldest.history.count
        driver.launch(run)
        return run

    def start_sync_execution(self, request: dict) -> dict:
        """StartSyncExecution: EXPRESS only ("StateMachineTypeNotSupported" otherwise); runs
        to completion and answers with the outcome."""
        machine, name, input_text = self._prepare_start(request)
        if machine["type"] != "EXPRESS":
            raise ApiError(
                "StateMachineTypeNotSupported",
                "This operation is not supported by this type of state machine",
            )
        arn = express_arn(machine["arn"], name, str(uuidlib.uuid4()))
        row = self._row(machine, arn, name, input_text, request)
        row["sync"] = True
        run = self._start_run(row, False)
        if not run.done.wait(_SYNC_LIMIT_SECONDS):
            # "Express Workflows can run for up to five minutes."
            self._running().send(run, Stop(TIMEOUT, None))
            run.done.wait()
        assert run.result_row is not None  # set before ``done``
        result = dict(run.result_row)
        if result["status"] == "ABORTED":
            result.update(status="TIMED_OUT", error=TIMEOUT, cause=None)
        out = {
            "executionArn": arn,
            "stateMachineArn": machine["arn"],
            "name": name,
            "startDate": from_us(row["start_us"]),
            "stopDate": from_us(result["stop_us"]),
            "status": result["status"],
        }
        included = request.get("includedData") != "METADATA_ONLY"
        if included:
            out["input"] = input_text
            out["inputDetails"] = {"included": True}
        if result["status"] == "SUCCEEDED" and included:
            out["output"] = result["output"]
        out["outputDetails"] = {"included": included}
        for key in ("error", "cause"):
            if result.get(key) is not None:
                out[key] = result[key]
        if row.get("trace_header") is not None:
            out["traceHeader"] = row["trace_header"]
        _qualifiers(row, out)
        duration_ms = max(100, -(-(result["stop_us"] - row["start_us"]) // 100_000) * 100)
        out["billingDetails"] = {
            "billedMemoryUsedInMB": 64,
            "billedDurationInMilliseconds": duration_ms,
        }
        return out

    def stop_execution(self, request: dict) -> dict:
        """StopExecution: the execution ends ``ABORTED`` with an ``ExecutionAborted`` event
        carrying the optional ``error`` and ``cause``."""
        arn = request["executionArn"]
        found = self._execution_row(arn)
        if isinstance(found, dict) and found.get("map_run_arn") and found["status"] == "RUNNING":
            raise ApiError(
                "ValidationException",
                f"Execution {arn} is a child execution of the Map Run "
                f"{found['map_run_arn']}: stop its parent execution {found['parent_arn']}, "
                f"or lower the Map Run's limits with UpdateMapRun",
            )
        run = self._running().active(arn)
        if run is not None:
            self._writable()
            self._running().send(run, Stop(request.get("error"), request.get("cause")))
            run.done.wait(30)
            found = self._execution_row(arn)
        row = self._as_row(found)
        return {"stopDate": _dt(row.get("stop_us")) or from_us(real_us())}

    def describe_execution(self, request: dict) -> dict:
        row = self._as_row(self._execution_row(request["executionArn"]))
        status = row["status"]
        out = {
            "executionArn": row["arn"],
            "stateMachineArn": row["sm_arn"],
            "name": row["name"],
            "status": status,
            "startDate": from_us(row["start_us"]),
        }
        if row.get("stop_us") is not None:
            out["stopDate"] = from_us(row["stop_us"])
        included = request.get("includedData") != "METADATA_ONLY"
        if included:
            out["input"] = row["input"]
        out["inputDetails"] = {"included": included}
        if status == "SUCCEEDED":
            if included:
                out["output"] = row.get("output")
            out["outputDetails"] = {"included": included}
        for key in ("error", "cause"):
            if row.get(key) is not None:
                out[key] = row[key]
        if row.get("trace_header") is not None:
            out["traceHeader"] = row["trace_header"]
        _qualifiers(row, out)
        if row.get("map_run_arn"):
            out["mapRunArn"] = row["map_run_arn"]
        out["redriveCount"] = int(row.get("redrive_count") or 0)
        if row.get("redrive_us") is not None:
            out["redriveDate"] = from_us(row["redrive_us"])
        reason = self._not_redrivable(row)
        out["redriveStatus"] = "NOT_REDRIVABLE" if reason else "REDRIVABLE"
        if reason:
            out["redriveStatusReason"] = reason
        return out

    def _not_redrivable(self, row: dict) -> str | None:
        """Why RedriveExecution would refuse ``row`` (None: it can be redriven). AWS: a
        STANDARD execution that FAILED, TIMED_OUT or was ABORTED, within 14 days of its
        end, whose history has room for more events."""
        status = row["status"]
        if status not in REDRIVABLE_STATUSES or row.get("sync") or ":express:" in row["arn"]:
            return f"Execution is {status} and cannot be redriven"
        if row.get("map_run_arn"):
            return (
                f"Execution is a child execution of the Map Run {row['map_run_arn']} and "
                f"cannot be redriven on its own"
            )
        if row.get("stop_us") is not None and real_us() - row["stop_us"] > REDRIVE_WINDOW_US:
            return "Execution ended more than 14 days ago and cannot be redriven"
        if not self._require_started().has_final_record(row["arn"]):
            # It ended in its first step (nothing it did can be continued: the same input
            # fails the same way), the history limit ended it, or the engine failed it (a
            # journal that could not be replayed).
            return "Execution cannot be redriven: it has no step to continue from"
        return None

    def redrive_execution(self, request: dict) -> dict:
        """RedriveExecution: the execution continues, under the same ARN, from the states
        that did not succeed (inside Parallel branches and Map iterations too); nothing that
        succeeded runs again. ``redriveCount`` counts up; the history gets
        ``ExecutionRedriven`` and continues."""
        arn = request["executionArn"]
        self._writable()
        with self._lock:
            row = self._as_row(self._execution_row(arn))
            reason = self._not_redrivable(row)
            if reason:
                raise ApiError("ExecutionNotRedrivable", reason)
            if self._running().active(arn) is not None:
                raise ApiError(
                    "ExecutionNotRedrivable", "Execution is RUNNING and cannot be redriven"
                )
            now = real_us()
            count = int(row.get("redrive_count") or 0) + 1
            reopened = self._require_started().reopen_execution(
                arn,
                {
                    "redrive_count": count,
                    "redrive_us": now,
                    "output": None,
                    "error": None,
                    "cause": None,
                },
            )
            if reopened is None:
                raise ApiError(
                    "ExecutionNotRedrivable", "Execution is RUNNING and cannot be redriven"
                )
            driver = self._running()
            driver.redrive(driver.new_run(reopened, durable=True))
        return {"redriveDate": from_us(now)}

    def list_executions(self, request: dict) -> dict:
        """ListExecutions: most recent first; ``statusFilter``; ``nextToken`` paging; the
        executions of a state machine (or of its version or alias), or the child executions
        of a Map Run (``mapRunArn``)."""
        sm_arn = request.get("stateMachineArn")
        map_run_arn = request.get("mapRunArn")
        if (sm_arn is None) == (map_run_arn is None):
            raise ApiError(
                "ValidationException",
                "Must provide a StateMachine ARN or MapRun ARN"
                if sm_arn is None
                else "Must provide only a StateMachine ARN or a MapRun ARN, not both",
            )
        match: dict[str, str] | None = None
        if map_run_arn is not None:
            sm_arn = self._map_run(map_run_arn)["stateMachineArn"]
            match = {"map_run_arn": map_run_arn}
        else:
            # "You can also return a list of executions associated with a specific alias or
            # version, by specifying an alias ARN or a version ARN in the stateMachineArn".
            sm_arn, qualifier = split_machine_arn(request["stateMachineArn"])
            if qualifier is not None:
                key = "version_arn" if is_version(qualifier) else "alias_arn"
                match = {key: request["stateMachineArn"]}
        if map_run_arn is None and self._machine(sm_arn)["type"] == "EXPRESS":
            # AWS: "This API action is not supported by EXPRESS state machines."
            raise ApiError(
                "StateMachineTypeNotSupported",
                "This operation is not supported by this type of state machine",
            )
        size = _page_size(request.get("maxResults"))
        before = _read_token(request.get("nextToken"), "ex")
        status = request.get("statusFilter")
        redrive_filter = request.get("redriveFilter")
        if redrive_filter is not None:
            # REDRIVEN: executions redriven at least once; NOT_REDRIVEN: never.
            rows = [
                r
                for r in self._require_started().list_executions(
                    sm_arn, status, before, MAX_FILTERED_SCAN, match
                )
                if (int(r.get("redrive_count") or 0) > 0) == (redrive_filter == "REDRIVEN")
            ][: size + 1]
        else:
            rows = self._require_started().list_executions(sm_arn, status, before, size + 1, match)
        out: dict = {"executions": []}
        for row in rows[:size]:
            item = {
                "executionArn": row["arn"],
                "stateMachineArn": row["sm_arn"],
                "name": row["name"],
                "status": row["status"],
                "startDate": from_us(row["start_us"]),
            }
            if row["stop_us"] is not None:
                item["stopDate"] = from_us(row["stop_us"])
            _qualifiers(row, item)
            if map_run_arn is not None:
                item["mapRunArn"] = map_run_arn
                # One item per child execution; an ItemBatcher's batch: its items.
                item["itemCount"] = int(row.get("item_count") or 1)
            item["redriveCount"] = int(row.get("redrive_count") or 0)
            if row.get("redrive_us") is not None:
                item["redriveDate"] = from_us(row["redrive_us"])
            out["executions"].append(item)
        if len(rows) > size:
            out["nextToken"] = _page_token({"k": "ex", "v": rows[size - 1]["ord"]})
        return out

    def _events(self, arn: str) -> tuple[list[dict], dict]:
        found = self._execution_row(arn)
        if isinstance(found, Run):  # an EXPRESS execution: its history is in memory
            return list(found.history.events), found.row
        return self._require_started().events(arn), found

    def get_execution_history(self, request: dict) -> dict:
        """GetExecutionHistory: pages of ``maxResults`` (default 100), ``reverseOrder``,
        ``includeExecutionData: false`` leaves out every event's input and output.

        The token holds the id of the page's last event and the page after it is read by
        keyset on the id (:meth:`Store.events_page`): a page costs its own size, never the
        history's, and a history that grows while it is paged (a running execution) loses
        and repeats nothing."""
        reverse = bool(request.get("reverseOrder"))
        size = _page_size(request.get("maxResults"))
        after = _read_token(request.get("nextToken"), "h")
        if after is not None and (type(after) is not int or after < 0):
            raise ApiError("InvalidToken", f"Invalid Token: '{request.get('nextToken')}'")
        page = self._history_page(request["executionArn"], after, size + 1, reverse)
        more = len(page) > size  # one event past the page: there is a next one
        page = page[:size]
        if request.get("includeExecutionData") is False:
            page = [_strip_data(e) for e in page]
        out: dict = {"events": page}
        if more:
            out["nextToken"] = _page_token({"k": "h", "v": page[-1]["id"]})
        return out

    def _history_page(self, arn: str, after: int | None, size: int, reverse: bool) -> list[dict]:
        """At most ``size`` events after (``reverse``: before) event id ``after``."""
        found = self._execution_row(arn)
        if isinstance(found, Run):  # an EXPRESS execution: its history is in memory (ids 1..n)
            events = found.history.events
            if reverse:
                end = len(events) if after is None else max(0, min(after - 1, len(events)))
                return events[max(0, end - size) : end][::-1]
            return events[after or 0 : (after or 0) + size]
        return self._require_started().events_page(arn, after, size, reverse)

    def history_after(self, execution_arn: str, after: int, limit: int = 1000) -> list[dict]:
        """The execution's events after event id ``after``, at most ``limit`` of them, in id
        order (not an AWS operation: the console's execution view reads only what is new
        since its last poll); ExecutionDoesNotExist as GetExecutionHistory."""
        return self._history_page(execution_arn, after, limit, False)

    def execution_logs(self, execution_arn: str) -> list[dict]:
        """The log records the execution's loggingConfiguration selects (see :mod:`.logs`)."""
        events, row = self._events(execution_arn)
        return logs.log_records(events, execution_arn, row.get("logging"))

    def wait_for(self, execution_arn: str, timeout: float | None = None) -> dict:
        """Block until the execution is no longer RUNNING (or ``timeout`` seconds passed);
        returns its DescribeExecution response."""
        self._execution_row(execution_arn)
        run = self._running().active(execution_arn)
        if run is not None:
            run.done.wait(timeout)
        return self.describe_execution({"executionArn": execution_arn})

    # -- Map Runs ------------------------------------------------------------------------------
    def _map_run(self, arn: str) -> dict:
        """The stored Map Run ``arn`` (see :mod:`.map_runs`). AWS: ``InvalidArn`` for a
        malformed ARN, ``ResourceNotFound`` for an unknown one."""
        parse_arn(arn, "mapRun")
        record = self._require_started().get_resource(MAP_RUN, arn)
        if record is None:
            raise ApiError("ResourceNotFound", f"Resource not found: '{arn}'")
        return record

    def describe_map_run(self, request: dict) -> dict:
        record = self._map_run(request["mapRunArn"])
        out = _dated(
            record,
            {
                "mapRunArn": record["mapRunArn"],
                "executionArn": record["executionArn"],
                "status": record["status"],
            },
        )
        out.update(
            maxConcurrency=record["maxConcurrency"],
            toleratedFailurePercentage=float(record["toleratedFailurePercentage"] or 0),
            toleratedFailureCount=int(record["toleratedFailureCount"] or 0),
            itemCounts=dict(record.get("itemCounts") or record["counts"]),
            executionCounts=dict(record["counts"]),
            redriveCount=int(record.get("redriveCount") or 0),
        )
        if record.get("redrive_us") is not None:
            out["redriveDate"] = from_us(record["redrive_us"])
        return out

    def list_map_runs(self, request: dict) -> dict:
        """ListMapRuns: the Map Runs an execution started, in the order they started."""
        arn = request["executionArn"]
        self._execution_row(arn)

        def render(record: dict) -> dict:
            return _dated(
                record,
                {
                    "executionArn": record["executionArn"],
                    "mapRunArn": record["mapRunArn"],
                    "stateMachineArn": record["stateMachineArn"],
                },
            )

        records = self._require_started().list_resources(MAP_RUN, parent=arn)
        return _page(records, request, "mr", "mapRuns", render)

    def update_map_run(self, request: dict) -> dict:
        """UpdateMapRun: a running Map Run's ``maxConcurrency`` and tolerated failures,
        obeyed from its next step on (journaled, so a replay obeys them at the same point);
        answered once the change is in the journal."""
        arn = request["mapRunArn"]
        record = self._map_run(arn)
        limits = {
            "max_concurrency": request.get("maxConcurrency"),
            "tolerated_pct": request.get("toleratedFailurePercentage"),
            "tolerated_count": request.get("toleratedFailureCount"),
        }
        if all(value is None for value in limits.values()):
            raise ApiError(
                "ValidationException",
                "At least one of maxConcurrency, toleratedFailurePercentage or "
                "toleratedFailureCount must be provided",
            )
        for member, value, top in (
            ("maxConcurrency", limits["max_concurrency"], None),
            ("toleratedFailureCount", limits["tolerated_count"], None),
            ("toleratedFailurePercentage", limits["tolerated_pct"], 100),
        ):
            if value is not None and (value < 0 or (top is not None and value > top)):
                bound = "greater than or equal to 0" if value < 0 else "less than or equal to 100"
                raise ApiError(
                    "ValidationException",
                    f"1 validation error detected: Value '{value}' at '{member}' failed to "
                    f"satisfy constraint: Member must have value {bound}",
                )
        run = self._running().active(record["executionArn"])
        if record["status"] != "RUNNING" or run is None:
            raise ApiError(
                "ValidationException", f"Map Run {arn} is {record['status']}: it cannot be updated"
            )
        self._writable()
        self._acknowledged(run, MapRunUpdate(arn, **limits), "update")
        return {}

    # -- TestState -----------------------------------------------------------------------------
    def test_state(self, request: dict) -> dict:
        """TestState: one state, one attempt, on this interpreter (:mod:`orchestrator.asl.
        test_state`); a Task with no mock calls its resource through the engine's Task
        resources, as an execution would."""
        driver = self._running()
        try:
            from orchestrator.tasks.result_shapes import check_mocked_result
        except ImportError:  # no Task resources installed: mocked results go unchecked
            check_mocked_result = None  # type: ignore[assignment]
        try:
            return test_state_request(
                request,
                invoke=driver.call,
                check_result=check_mocked_result,
                account=self.config.account,
                region=self.config.region,
            )
        except TestStateInvalid as exc:
            raise ApiError(exc.code, exc.message) from None

    # -- versions and aliases ------------------------------------------------------------------
    def publish_state_machine_version(self, request: dict) -> dict:
        """PublishStateMachineVersion: ``revisionId``, when given, must be the current one."""
        with self._lock:
            machine = self._unqualified(request["stateMachineArn"])
            if machine["status"] == "DELETING":
                raise ApiError(
                    "StateMachineDeleting", f"State machine is being deleted: '{machine['arn']}'"
                )
            version = self._versions_of().publish(
                machine,
                request.get("description"),
                request.get("revisionId"),
                check_revision="revisionId" in request,
            )
            self._require_started().put_machine(machine)
        return {
            "stateMachineVersionArn": version["arn"],
            "creationDate": from_us(version["creation_us"]),
        }

    def list_state_machine_versions(self, request: dict) -> dict:
        """Newest version first."""
        machine = self._unqualified(request["stateMachineArn"])
        versions = list(reversed(self._versions_of().versions(machine["arn"])))
        return _page(
            versions,
            request,
            "v",
            "stateMachineVersions",
            lambda v: {
                "stateMachineVersionArn": v["arn"],
                "creationDate": from_us(v["creation_us"]),
            },
        )

    def delete_state_machine_version(self, request: dict) -> dict:
        with self._lock:
            self._versions_of().delete_version(request["stateMachineVersionArn"])
        return {}

    def create_state_machine_alias(self, request: dict) -> dict:
        """CreateStateMachineAlias: idempotent for the same name, routing and description."""
        versions = self._versions_of()
        with self._lock:
            base = versions.check_routing(request["routingConfiguration"])
            machine = self._machine(base)
            if machine["status"] == "DELETING":
                raise ApiError("StateMachineDeleting", f"State machine is being deleted: '{base}'")
            alias = versions.create_alias(base, request)
        return {
            "stateMachineAliasArn": alias["arn"],
            "creationDate": from_us(alias["creation_us"]),
        }

    def describe_state_machine_alias(self, request: dict) -> dict:
        alias = self._versions_of().describe_alias(request["stateMachineAliasArn"])
        out = {
            "stateMachineAliasArn": alias["arn"],
            "name": alias["name"],
            "routingConfiguration": alias["routingConfiguration"],
            "creationDate": from_us(alias["creation_us"]),
        }
        if alias.get("description") is not None:
            out["description"] = alias["description"]
        if alias.get("update_us") is not None:
            out["updateDate"] = from_us(alias["update_us"])
        return out

    def update_state_machine_alias(self, request: dict) -> dict:
        with self._lock:
            alias = self._versions_of().update_alias(request)
        return {"updateDate": from_us(alias["update_us"])}

    def delete_state_machine_alias(self, request: dict) -> dict:
        with self._lock:
            self._versions_of().delete_alias(request["stateMachineAliasArn"])
        return {}

    def list_state_machine_aliases(self, request: dict) -> dict:
        """The aliases of a state machine, oldest first; with a version ARN, "a list of
        aliases for that version"."""
        arn = request["stateMachineArn"]
        base, qualifier = split_machine_arn(arn)
        self._machine(base)
        aliases = self._versions_of().aliases(base)
        if qualifier is not None:
            if not is_version(qualifier) or self._versions_of().version(arn) is None:
                raise not_found()
            aliases = [
                a
                for a in aliases
                if any(r["stateMachineVersionArn"] == arn for r in a["routingConfiguration"])
            ]
        return _page(
            aliases,
            request,
            "a",
            "stateMachineAliases",
            lambda a: {
                "stateMachineAliasArn": a["arn"],
                "creationDate": from_us(a["creation_us"]),
            },
        )

    # -- activities ---------------------------------------------------------------------------
    def _activity(self, arn: str) -> dict:
        parse_arn(arn, "activity")
        activity = self._require_started().get_resource("activity", arn)
        if activity is None:
            raise ApiError("ActivityDoesNotExist", f"Activity Does Not Exist: '{arn}'")
        return activity

    def create_activity(self, request: dict) -> dict:
        """CreateActivity: "idempotent ... based on the activity name. If a following
        request has different tags values, Step Functions will ignore these differences"."""
        name = request["name"]
        check_name(name)
        cfg = self.config
        arn = activity_arn(cfg.partition, cfg.region, cfg.account, name)
        activity_tags = tags.check_tags(request.get("tags"))
        tags.merged([], activity_tags, arn)  # at most 50
        store = self._require_started()
        with self._lock:
            existing = store.get_resource("activity", arn)
            if existing is None:
                if len(store.list_resources("activity")) >= self.config.max_activities:
                    raise ApiError(
                        "ActivityLimitExceeded",
                        f"Activity limit exceeded: at most {self.config.max_activities} "
                        "activities can be registered; delete activities you no longer use",
                    )
                existing = {
                    "arn": arn,
                    "name": name,
                    "creation_us": real_us(),
                    "tags": activity_tags,
                    "encryptionConfiguration": request.get("encryptionConfiguration")
                    or {"type": "AWS_OWNED_KEY"},
                }
                store.put_resource("activity", arn, existing)
        return {"activityArn": arn, "creationDate": from_us(existing["creation_us"])}

    def describe_activity(self, request: dict) -> dict:
        activity = self._activity(request["activityArn"])
        return {
            "activityArn": activity["arn"],
            "name": activity["name"],
            "creationDate": from_us(activity["creation_us"]),
            "encryptionConfiguration": activity["encryptionConfiguration"],
        }

    def delete_activity(self, request: dict) -> dict:
        """DeleteActivity; deleting an activity that is gone is not an error. Tasks already
        waiting for a worker stay until their Task times out."""
        arn = request["activityArn"]
        parse_arn(arn, "activity")
        with self._lock:
            self._require_started().remove_resource("activity", arn)
        return {}

    def list_activities(self, request: dict) -> dict:
        return _page(
            self._require_started().list_resources("activity"),
            request,
            "act",
            "activities",
            lambda a: {
                "activityArn": a["arn"],
                "name": a["name"],
                "creationDate": from_us(a["creation_us"]),
            },
        )

    def get_activity_task(self, request: dict) -> dict:
        """GetActivityTask: the oldest task waiting for this activity, held up to
        ``activity_poll_seconds`` (AWS: 60 s) when there is none; then no ``taskToken``
        (AWS: "the poll returns a taskToken with a null string")."""
        arn = request["activityArn"]
        self._activity(arn)
        self._writable()
        task = self._running().take_activity_task(
            arn, self.config.activity_poll_seconds, request.get("workerName")
        )
        if task is None:
            return {}
        token, input_text = task
        return {"taskToken": token, "input": input_text}

    # -- tags --------------------------------------------------------------------------------
    def _tagged(self, arn: str) -> tuple[dict, Any]:
        """(the stored record holding the tags of ``arn``, a function storing it back): a
        state machine or an activity. Versions, aliases and executions carry no tags
        (AWS: ResourceNotFound)."""
        store = self._require_started()
        kind = arn.split(":")[5] if isinstance(arn, str) and arn.count(":") >= 5 else None
        if kind == "stateMachine":
            _, qualifier = split_machine_arn(arn)
            machine = store.get_machine(arn) if qualifier is None else None
            if machine is not None:
                return machine, store.put_machine
        elif len(parse_arn(arn, "activity", "execution", "express")) == 7:
            activity = store.get_resource("activity", arn)
            if activity is not None:
                return activity, lambda data: store.put_resource("activity", arn, data)
        raise ApiError("ResourceNotFound", f"Resource not found: '{arn}'")

    def tag_resource(self, request: dict) -> dict:
        """TagResource: adds or replaces tags; at most 50 per resource."""
        arn = request["resourceArn"]
        new = tags.check_tags(request["tags"])
        with self._lock:
            record, save = self._tagged(arn)
            record["tags"] = tags.merged(record.get("tags") or [], new, arn)
            save(record)
        return {}

    def untag_resource(self, request: dict) -> dict:
        arn = request["resourceArn"]
        with self._lock:
            record, save = self._tagged(arn)
            record["tags"] = tags.without(record.get("tags") or [], request["tagKeys"])
            save(record)
        return {}

    def list_tags_for_resource(self, request: dict) -> dict:
        record, _ = self._tagged(request["resourceArn"])
        return {"tags": [dict(t) for t in record.get("tags") or []]}

    # -- callbacks -----------------------------------------------------------------------------
    def _writable(self) -> None:
        reason = self.unavailable()
        if reason is not None:
            raise StoreUnavailable(reason)

    def _token(self, token: str, claim: bool = False) -> tuple[Run, int]:
        """AWS: ``InvalidToken`` for a malformed token, ``TaskDoesNotExist`` for an unknown
        one, ``TaskTimedOut`` once its task is over (timed out, answered, or its execution
        ended)."""
        try:
            uuidlib.UUID(token)
        except (ValueError, AttributeError, TypeError):
            raise ApiError("InvalidToken", "Invalid Token: 'Invalid token'") from None
        driver = self._running()
        entry = driver.token(token)
        if entry is None:
            raise ApiError("TaskDoesNotExist", "Task Does Not Exist: 'Task token not found'")
        # A token is answered once: the first SendTaskSuccess/Failure claims it.
        if (
            entry == CLOSED
            or not isinstance(entry, tuple)
            or (claim and not driver.claim(token, entry))
        ):
            raise ApiError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
        return entry

    def send_task_success(self, request: dict) -> dict:
        output = request["output"]
        try:
            document.parse(output)
        except (document.InvalidJson, TypeError) as exc:
            self._token(request["taskToken"])  # an unknown token is reported first
            raise ApiError("InvalidOutput", f"Invalid Output: '{exc}'") from None
        self._writable()
        run, seq = self._token(request["taskToken"], claim=True)
        self._answered(run, seq)
        self._acknowledged(run, Completion(seq, output))
        return {}

    def _acknowledged(
        self, run: Run, message: Completion | MapRunUpdate, what: str = "outcome"
    ) -> None:
        """Answer only once ``message`` is in the journal."""
        ack = threading.Event()
        self._running().send(run, message, ack)
        if not ack.wait(30) and self.unavailable() is not None:
            # Kept in memory and written as soon as the journal takes writes again.
            raise StoreUnavailable(
                f"{self.unavailable()}; the {what} was accepted but is not written yet"
            )

    def send_task_failure(self, request: dict) -> dict:
        self._writable()
        run, seq = self._token(request["taskToken"], claim=True)
        self._answered(run, seq)
        self._acknowledged(run, Completion.failure(seq, request.get("error"), request.get("cause")))
        return {}

    def _answered(self, run: Run, seq: int) -> None:
        """A task token was claimed: a nested ``.sync`` Task answered that way leaves its
        child running (:meth:`.nested.NestedExecutions.answered`)."""
        if self._nested is not None:
            self._nested.answered(run, seq)

    def send_task_heartbeat(self, request: dict) -> dict:
        run, seq = self._token(request["taskToken"])
        self._running().send(run, Heartbeat(seq))  # the activator re-arms its timer
        return {}


def _dated(record: dict, out: dict) -> dict:
    """``out`` with a Map Run's ``startDate`` and, once it ended, ``stopDate``."""
    out["startDate"] = from_us(record["start_us"])
    if record.get("stop_us") is not None:
        out["stopDate"] = from_us(record["stop_us"])
    return out


def _qualifiers(row: dict, out: dict) -> None:
    """The version (and alias) an execution was started through, in AWS's member names."""
    if row.get("version_arn"):
        out["stateMachineVersionArn"] = row["version_arn"]
    if row.get("alias_arn"):
        out["stateMachineAliasArn"] = row["alias_arn"]


def _check_version_description(request: dict, publish: bool) -> None:
    if request.get("versionDescription") is not None and not publish:
        raise ApiError(
            "ValidationException", "Version description can only be set when publish is true"
        )


def _strip_data(event: dict) -> dict:
    out = dict(event)
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            out[key] = {
                k: v for k, v in value.items() if k not in ("input", "output", "parameters")
            }
    return out
