"""The pure Amazon States Language interpreter.

No network, no sleeping, no clock reads: everything from the outside world
(task invocation, the current time, timers, randomness) is injected by the
caller (the engine, or the in-process runner used by tests and the CLI).
"""
