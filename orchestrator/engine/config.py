"""Engine settings: defaults in one place, then the environment (README.md, "Configuration").

| setting      | env                          | default                      |
| ------------ | ---------------------------- | ---------------------------- |
| db_path      | ``ORCHESTRATOR_DB``          | ``$ORCHESTRATOR_DATA_DIR/orchestrator.db`` (``./data``) |
| database_url | ``ORCHESTRATOR_DATABASE_URL`` | none: the SQLite file ``db_path``; ``postgresql://user:password@host:port/db``: the PostgreSQL store (:mod:`.pg_store`) |
| account      | ``ORCHESTRATOR_ACCOUNT``     | ``123456789012``             |
| region       | ``ORCHESTRATOR_REGION`` / ``AWS_DEFAULT_REGION`` | ``us-east-1`` |
| time_scale   | ``ORCHESTRATOR_TIME_SCALE``  | ``1.0`` (0.01: a 10 s Wait takes 0.1 s) |
| scale_task_timeouts | ``ORCHESTRATOR_SCALE_TASK_TIMEOUTS`` | ``0``: a Task's TimeoutSeconds / HeartbeatSeconds stay real seconds |
| workers      | ``ORCHESTRATOR_WORKERS``     | ``8`` (threads for a blocking ``invoker`` callable; the built-in Task resources need none) |
| payload_limit| ``ORCHESTRATOR_PAYLOAD_LIMIT`` | ``262144`` (AWS's 256 KiB) |
| history_limit| ``ORCHESTRATOR_HISTORY_LIMIT`` | ``25000`` (AWS's events per execution) |
| activators   | ``ORCHESTRATOR_ACTIVATORS``  | ``4`` (threads running interpreter activations) |
| slice_seconds| ``ORCHESTRATOR_SLICE_MS``    | ``20`` ms: the longest one activation (and one batch) runs before the others' turn |
| slice_steps  | (none)                       | ``1000`` scheduler steps per activation |
| evaluation_seconds | ``ORCHESTRATOR_EVALUATION_TIMEOUT_MS`` | ``1000`` ms: time budget of one JSONata evaluation or regular-expression match |
| log_level    | ``ORCHESTRATOR_LOG_LEVEL``   | ``INFO`` (Python logging of the engine) |
| activity_poll_seconds | ``ORCHESTRATOR_ACTIVITY_POLL_SECONDS`` | ``60``: how long GetActivityTask waits for a task before it answers with none (AWS: 60 s) |
| max_activities | (none) | ``10000`` registered activities (AWS's quota); one more is ``ActivityLimitExceeded`` |
| routing_seed | ``ORCHESTRATOR_ROUTING_SEED`` | none: an alias picks its version with system randomness; a number makes the picks repeatable |
| retention_days | ``ORCHESTRATOR_RETENTION_DAYS`` | ``90`` (AWS keeps closed Standard executions 90 days): older closed executions are deleted in the background; ``0`` keeps them forever |
| retention_sweep_seconds | ``ORCHESTRATOR_RETENTION_SWEEP_SECONDS`` | ``3600``: how often the background sweep looks for expired executions (and once at start) |
| mock_config  | ``ORCHESTRATOR_MOCK_CONFIG``, else Step Functions Local's ``SFN_MOCK_CONFIG``, else LocalStack's ``LOCALSTACK_SFN_MOCK_CONFIG`` | none: the Step Functions Local mock configuration file (``MockConfigFile.json``) whose test cases ``StateMachineArn#Case`` runs |

``invoker`` (a callable ``invoker(Invoke) -> result``, raising ``StatesError``) wins over
``tasks`` (the :mod:`orchestrator.tasks` configuration handed to its ``TaskInvoker``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["EngineConfig"]


@dataclass
class EngineConfig:
    db_path: str = str(Path("data") / "orchestrator.db")
    database_url: str | None = None
    account: str = "123456789012"
    region: str = "us-east-1"
    partition: str = "aws"
    time_scale: float = 1.0
    # Task TimeoutSeconds/HeartbeatSeconds bound REAL work (an HTTP call takes the time it
    # takes), so the time scale leaves them alone unless asked (tests with fake resources).
    scale_task_timeouts: bool = False
    workers: int = 8
    payload_limit: int = 262144
    history_limit: int = 25000
    activators: int = 4
    slice_seconds: float = 0.02
    slice_steps: int = 1000
    evaluation_seconds: float = 1.0
    log_level: str = "INFO"
    routing_seed: int | None = None
    activity_poll_seconds: float = 60.0
    max_activities: int = 10_000
    retention_days: float = 90.0
    retention_sweep_seconds: float = 3600.0
    mock_config: str | None = None
    tasks: Any = None
    invoker: Callable | None = None
    # Print one JSON line per logged history event (the loggingConfiguration sink).
    log_to_stdout: bool = True

    def __post_init__(self) -> None:
        if not self.time_scale > 0:
            raise ValueError(f"time_scale must be > 0, got {self.time_scale!r}")
        for name in ("workers", "activators", "slice_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        for name in ("slice_seconds", "evaluation_seconds"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if not 0 <= self.activity_poll_seconds <= 60:
            raise ValueError(
                f"activity_poll_seconds must be between 0 and 60, got {self.activity_poll_seconds!r}"
            )
        if not self.retention_days >= 0:
            raise ValueError(f"retention_days must be >= 0, got {self.retention_days!r}")
        if not self.retention_sweep_seconds > 0:
            raise ValueError(
                f"retention_sweep_seconds must be > 0, got {self.retention_sweep_seconds!r}"
            )
        if self.database_url is not None and not self.database_url.startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError(
                "database_url must be a PostgreSQL URL (postgresql://user:password@host:port"
                f"/dbname), got {self.database_url.split('://')[0]!r}:// ..."
            )
        if self.history_limit < 3:
            raise ValueError(f"history_limit must be >= 3, got {self.history_limit!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> EngineConfig:
        env = os.environ if environ is None else environ
        data_dir = env.get("ORCHESTRATOR_DATA_DIR", "data")
        values: dict[str, Any] = {
            "db_path": env.get("ORCHESTRATOR_DB", str(Path(data_dir) / "orchestrator.db")),
            "database_url": env.get("ORCHESTRATOR_DATABASE_URL") or None,
            "account": env.get("ORCHESTRATOR_ACCOUNT", cls.account),
            "region": env.get("ORCHESTRATOR_REGION", env.get("AWS_DEFAULT_REGION", cls.region)),
            "time_scale": float(env.get("ORCHESTRATOR_TIME_SCALE", cls.time_scale)),
            "scale_task_timeouts": env.get("ORCHESTRATOR_SCALE_TASK_TIMEOUTS", "0").lower()
            in ("1", "true", "yes"),
            "workers": int(env.get("ORCHESTRATOR_WORKERS", cls.workers)),
            "payload_limit": int(env.get("ORCHESTRATOR_PAYLOAD_LIMIT", cls.payload_limit)),
            "history_limit": int(env.get("ORCHESTRATOR_HISTORY_LIMIT", cls.history_limit)),
            "activators": int(env.get("ORCHESTRATOR_ACTIVATORS", cls.activators)),
            "slice_seconds": float(env.get("ORCHESTRATOR_SLICE_MS", cls.slice_seconds * 1000))
            / 1000,
            "evaluation_seconds": float(
                env.get("ORCHESTRATOR_EVALUATION_TIMEOUT_MS", cls.evaluation_seconds * 1000)
            )
            / 1000,
            "log_level": env.get("ORCHESTRATOR_LOG_LEVEL", cls.log_level),
            "activity_poll_seconds": float(
                env.get("ORCHESTRATOR_ACTIVITY_POLL_SECONDS", cls.activity_poll_seconds)
            ),
            "retention_days": float(env.get("ORCHESTRATOR_RETENTION_DAYS", cls.retention_days)),
            "retention_sweep_seconds": float(
                env.get("ORCHESTRATOR_RETENTION_SWEEP_SECONDS", cls.retention_sweep_seconds)
            ),
            "mock_config": (
                env.get("ORCHESTRATOR_MOCK_CONFIG")
                or env.get("SFN_MOCK_CONFIG")
                or env.get("LOCALSTACK_SFN_MOCK_CONFIG")
                or None
            ),
            "routing_seed": (
                int(env["ORCHESTRATOR_ROUTING_SEED"])
                if env.get("ORCHESTRATOR_ROUTING_SEED")
                else None
            ),
        }
        values.update(overrides)
        return cls(**values)
