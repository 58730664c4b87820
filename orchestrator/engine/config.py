"""Engine settings: defaults in one place, then the environment (STYLE.md 8).

| setting      | env                          | default                      |
| ------------ | ---------------------------- | ---------------------------- |
| db_path      | ``ORCHESTRATOR_DB``          | ``$ORCHESTRATOR_DATA_DIR/orchestrator.db`` (``./data``) |
| account      | ``ORCHESTRATOR_ACCOUNT``     | ``123456789012``             |
| region       | ``ORCHESTRATOR_REGION`` / ``AWS_DEFAULT_REGION`` | ``us-east-1`` |
| time_scale   | ``ORCHESTRATOR_TIME_SCALE``  | ``1.0`` (0.01: a 10 s Wait takes 0.1 s) |
| scale_task_timeouts | ``ORCHESTRATOR_SCALE_TASK_TIMEOUTS`` | ``0``: a Task's TimeoutSeconds / HeartbeatSeconds stay real seconds |
| workers      | ``ORCHESTRATOR_WORKERS``     | ``8`` (threads calling Task resources) |
| payload_limit| ``ORCHESTRATOR_PAYLOAD_LIMIT`` | ``262144`` (AWS's 256 KiB) |
| log_level    | ``ORCHESTRATOR_LOG_LEVEL``   | ``INFO`` (Python logging of the engine) |

``invoker`` (a callable ``invoker(Invoke) -> result``, raising ``StatesError``) wins over
``tasks`` (the :mod:`orchestrator.tasks` configuration handed to its ``TaskInvoker``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

__all__ = ["EngineConfig"]


@dataclass
class EngineConfig:
    db_path: str = str(Path("data") / "orchestrator.db")
    account: str = "123456789012"
    region: str = "us-east-1"
    partition: str = "aws"
    time_scale: float = 1.0
    # Task TimeoutSeconds/HeartbeatSeconds bound REAL work (an HTTP call takes the time it
    # takes), so the time scale leaves them alone unless asked (tests with fake resources).
    scale_task_timeouts: bool = False
    workers: int = 8
    payload_limit: int = 262144
    log_level: str = "INFO"
    tasks: Any = None
    invoker: Callable | None = None
    # Print one JSON line per logged history event (the loggingConfiguration sink).
    log_to_stdout: bool = True

    def __post_init__(self) -> None:
        if not self.time_scale > 0:
            raise ValueError(f"time_scale must be > 0, got {self.time_scale!r}")
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers!r}")

    @classmethod
    def from_env(cls, env: dict | None = None, **overrides: Any) -> "EngineConfig":
        env = os.environ if env is None else env
        data_dir = env.get("ORCHESTRATOR_DATA_DIR", "data")
        values: dict[str, Any] = {
            "db_path": env.get("ORCHESTRATOR_DB", str(Path(data_dir) / "orchestrator.db")),
            "account": env.get("ORCHESTRATOR_ACCOUNT", cls.account),
            "region": env.get("ORCHESTRATOR_REGION", env.get("AWS_DEFAULT_REGION", cls.region)),
            "time_scale": float(env.get("ORCHESTRATOR_TIME_SCALE", cls.time_scale)),
            "scale_task_timeouts": env.get("ORCHESTRATOR_SCALE_TASK_TIMEOUTS", "0").lower()
            in ("1", "true", "yes"),
            "workers": int(env.get("ORCHESTRATOR_WORKERS", cls.workers)),
            "payload_limit": int(env.get("ORCHESTRATOR_PAYLOAD_LIMIT", cls.payload_limit)),
            "log_level": env.get("ORCHESTRATOR_LOG_LEVEL", cls.log_level),
        }
        values.update(overrides)
        return cls(**values)
