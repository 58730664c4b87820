"""What the three services truly share: JSON errors, probes, idempotency, deadlines, chaos, logs, OpenAPI."""

from .app import ConfigError, Setting, make_app
from .errors import ApiError

__all__ = ["ApiError", "ConfigError", "Setting", "make_app"]
