"""The durable execution engine: scheduler driving, timers, journal, resume after crash.

``Engine(EngineConfig.from_env()).start()`` then one method per AWS operation (see
:mod:`orchestrator.engine.engine`).
"""

from .config import EngineConfig
from .engine import Engine
from .errors import ApiError

__all__ = ["Engine", "EngineConfig", "ApiError"]
