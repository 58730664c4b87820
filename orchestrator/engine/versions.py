"""State machine versions and aliases (AWS developer guide, "Versions" and "Aliases").

- A **version** is "a numbered, immutable snapshot of a state machine": its definition,
  role, type, logging and tracing configuration, and the state machine's ``revisionId`` at
  the time. ``PublishStateMachineVersion`` (or ``publish: true`` on Create/Update) makes
  one; publishing a revision that the newest version already holds returns that version
  ("idempotent"), and a ``revisionId`` that is not the current one is a
  ``ConflictException``. Version numbers count up and are never reused, even after a
  version is deleted. At most 1,000 versions per state machine
  (``ServiceQuotaExceededException``).
- An **alias** points to one or two versions of the same state machine with weights that
  sum to 100 (``routingConfiguration``); StartExecution with the alias ARN runs one of
  them, picked at random by weight. A version an alias routes to cannot be deleted. At most
  100 aliases per state machine.

Versions and aliases are stored with :meth:`Store.put_resource` (kinds ``"version"`` and
``"alias"``, parent the state machine's ARN) and go with their state machine when it is
deleted. :class:`Versions` holds the rules; :class:`~.engine.Engine` calls it under its
lock and renders the AWS responses.
"""

from __future__ import annotations

import random
import threading

from .arns import is_version, split_machine_arn
from .clock import real_us
from .errors import ApiError
from .store import Store

__all__ = ["Versions", "MAX_VERSIONS", "MAX_ALIASES", "not_found"]

MAX_VERSIONS = 1000
MAX_ALIASES = 100
# The members of a state machine that a version freezes.
_FROZEN = ("definition", "roleArn", "type", "loggingConfiguration", "tracingConfiguration")


def not_found() -> ApiError:
    """AWS's answer for an alias (or version) that does not exist."""
    return ApiError("ResourceNotFound", "Request references a resource that does not exist.")


class Versions:
    """Versions and aliases on a :class:`Store`. ``seed``: repeatable alias picks."""

    def __init__(self, store: Store, seed: int | None = None) -> None:
        self.store = store
        self._random = random.Random(seed) if seed is not None else random.SystemRandom()
        self._random_lock = threading.Lock()

    # -- versions -----------------------------------------------------------------------
    def versions(self, machine_arn: str) -> list[dict]:
        """Oldest first."""
        return self.store.list_resources("version", machine_arn)

    def version(self, arn: str) -> dict | None:
        return self.store.get_resource("version", arn)

    def publish(
        self,
        machine: dict,
        description: str | None = None,
        revision_id: str | None = None,
        check_revision: bool = False,
    ) -> dict:
        """A version of ``machine`` as it is now (the newest one when it already holds this
        revision). ``machine`` is updated (its version counter) and must be stored by the
        caller."""
        current = machine.get("revisionId")
        if check_revision and revision_id != current:
            raise ApiError(
                "ConflictException",
                f"Failed to publish the State Machine version for revision {revision_id}. "
                f"The current State Machine revision is {current}.",
            )
        existing = self.versions(machine["arn"])
        if existing:
            newest = existing[-1]
            if newest.get("revisionId") == current and all(
                newest[k] == machine[k] for k in _FROZEN
            ):
                return newest
        if len(existing) >= MAX_VERSIONS:
            raise ApiError(
                "ServiceQuotaExceededException",
                f"Failed to publish a version of '{machine['arn']}': a state machine can have "
                f"at most {MAX_VERSIONS} versions. Delete versions you no longer need.",
            )
        number = int(machine.get("version_counter") or 0) + 1
        machine["version_counter"] = number
        version = {
            "arn": f"{machine['arn']}:{number}",
            "machine_arn": machine["arn"],
            "name": machine["name"],
            "number": number,
            "revisionId": current,
            "description": description,
            "creation_us": real_us(),
            **{k: machine[k] for k in _FROZEN},
        }
        self.store.put_resource("version", version["arn"], version, machine["arn"])
        return version

    def delete_version(self, arn: str) -> None:
        """DeleteStateMachineVersion: refused while an alias routes to it; an unknown
        version is not an error."""
        base, qualifier = split_machine_arn(arn)
        if not is_version(qualifier):
            raise ApiError("InvalidArn", f"Invalid Arn: 'Invalid ARN: {arn}'")
        if self.version(arn) is None:
            return
        routed = [a["name"] for a in self.aliases(base) if arn in _targets(a)]
        if routed:
            raise ApiError(
                "ConflictException",
                "Version to be deleted must not be referenced by an alias. Current list of "
                f"aliases referencing this version: [{', '.join(routed)}]",
            )
        self.store.remove_resource("version", arn)

    # -- aliases ------------------------------------------------------------------------
    def aliases(self, machine_arn: str) -> list[dict]:
        return self.store.list_resources("alias", machine_arn)

    def alias(self, arn: str) -> dict | None:
        return self.store.get_resource("alias", arn)

    def check_routing(self, routing: list[dict]) -> str:
        """The state machine ARN the routing configuration's versions belong to; AWS's
        ValidationException messages for a bad one."""
        arns = [item["stateMachineVersionArn"] for item in routing]
        listed = ", ".join(arns)
        bases = set()
        for arn in arns:
            base, qualifier = split_machine_arn(arn)
            if not is_version(qualifier):
                raise ApiError(
                    "ValidationException",
                    f"Routing configuration must contain state machine version ARNs. "
                    f"Received: [{listed}]",
                )
            bases.add(base)
        if len(set(arns)) != len(arns):
            raise ApiError(
                "ValidationException",
                f"Routing configuration must contain distinct state machine version ARNs. "
                f"Received: [{listed}]",
            )
        if len(bases) != 1:
            raise ApiError(
                "ValidationException",
                f"Routing configuration must contain versions of one state machine. "
                f"Received: [{listed}]",
            )
        weights = [item["weight"] for item in routing]
        if sum(weights) != 100:
            raise ApiError(
                "ValidationException",
                f"Sum of routing configuration weights must equal 100. "
                f"Received: [{', '.join(str(w) for w in weights)}]",
            )
        for arn in arns:
            if self.version(arn) is None:
                raise ApiError(
                    "ResourceNotFound",
                    f"Request references a resource that does not exist: '{arn}'",
                )
        return bases.pop()

    def create_alias(self, machine_arn: str, request: dict) -> dict:
        """The alias: the same name with the same routing and description is the existing
        alias; with different ones a ConflictException."""
        name = request["name"]
        if name.isdigit():  # the pattern refuses it too; a number would read as a version
            raise ApiError("ValidationException", f"Invalid alias name: '{name}'")
        arn = f"{machine_arn}:{name}"
        routing = [dict(item) for item in request["routingConfiguration"]]
        description = request.get("description")
        existing = self.alias(arn)
        if existing is not None:
            if (
                existing["routingConfiguration"] == routing
                and existing.get("description") == description
            ):
                return existing
            raise ApiError(
                "ConflictException",
                "Failed to create alias because an alias with the same name and a different "
                "routing configuration already exists.",
            )
        if len(self.aliases(machine_arn)) >= MAX_ALIASES:
            raise ApiError(
                "ServiceQuotaExceededException",
                f"Failed to create alias '{name}': a state machine can have at most "
                f"{MAX_ALIASES} aliases.",
            )
        alias = {
            "arn": arn,
            "machine_arn": machine_arn,
            "name": name,
            "description": description,
            "routingConfiguration": routing,
            "creation_us": real_us(),
            "update_us": None,
        }
        self.store.put_resource("alias", arn, alias, machine_arn)
        return alias

    def update_alias(self, request: dict) -> dict:
        arn = request["stateMachineAliasArn"]
        alias = self._existing_alias(arn)
        if request.get("description") is None and request.get("routingConfiguration") is None:
            raise ApiError(
                "ValidationException",
                "Either the description or the routing configuration must be specified",
            )
        if request.get("routingConfiguration") is not None:
            routing = [dict(item) for item in request["routingConfiguration"]]
            if self.check_routing(routing) != alias["machine_arn"]:
                raise ApiError(
                    "ValidationException",
                    "Routing configuration must contain versions of the alias's state "
                    f"machine '{alias['machine_arn']}'",
                )
            alias["routingConfiguration"] = routing
        if request.get("description") is not None:
            alias["description"] = request["description"]
        alias["update_us"] = real_us()
        self.store.put_resource("alias", arn, alias, alias["machine_arn"])
        return alias

    def delete_alias(self, arn: str) -> None:
        self._alias_arn(arn)
        self.store.remove_resource("alias", arn)

    def _alias_arn(self, arn: str) -> str:
        base, qualifier = split_machine_arn(arn)
        if qualifier is None or is_version(qualifier):
            raise ApiError("InvalidArn", f"Invalid Arn: 'Invalid ARN: {arn}'")
        return base

    def _existing_alias(self, arn: str) -> dict:
        self._alias_arn(arn)
        alias = self.alias(arn)
        if alias is None:
            raise not_found()
        return alias

    def describe_alias(self, arn: str) -> dict:
        return self._existing_alias(arn)

    def pick(self, alias: dict) -> str:
        """The version ARN an execution started through ``alias`` runs, by weight."""
        routing = alias["routingConfiguration"]
        with self._random_lock:
            draw = self._random.randrange(100)
        for item in routing:
            if draw < item["weight"]:
                return item["stateMachineVersionArn"]
            draw -= item["weight"]
        return routing[-1]["stateMachineVersionArn"]  # unreachable: the weights sum to 100

    def forget_machine(self, machine_arn: str) -> None:
        """Delete the versions and aliases of a deleted state machine."""
        for alias in self.aliases(machine_arn):
            self.store.remove_resource("alias", alias["arn"])
        for version in self.versions(machine_arn):
            self.store.remove_resource("version", version["arn"])


def _targets(alias: dict) -> list[str]:
    return [item["stateMachineVersionArn"] for item in alias["routingConfiguration"]]
