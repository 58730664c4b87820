"""One event loop, one HTTP client, per process: what every Task resource's I/O runs on.

Issue (isolation): "Slow services starve healthy ones: Task calls run on 8 engine threads,
so with one service answering in 11 s, calls to healthy services waited 8-9 s for a
thread." So no call holds a thread while it waits:

- one asyncio loop in one daemon thread, ``tasks-io``, started on first use and again after
  :meth:`IO.close` or a fork (a gunicorn worker must not share its parent's sockets or
  thread), runs every call as a task; thousands can be in flight;
- one ``aiohttp.ClientSession`` on it. Its ``TCPConnector`` holds at most
  ``TasksConfig.max_connections`` sockets (4096) and at most ``max_connections_per_host``
  (512) per destination (host, port, TLS): a single slow service can hold at most that
  many sockets - calls to it beyond them wait for one of ITS sockets, never anyone else's;
  it takes 8 saturated destinations to use up the 4096. No cookies (``DummyCookieJar``:
  one execution's cookies must not reach another's calls), no proxies from the environment
  (``trust_env=False``: calls go where the map says), redirects never followed (a redirect
  could leave the allowlist; a 3xx is an answer like any other), no automatic retries
  (retrying is the state machine's business: its Retry field). The connector's resolver
  and socket factory are the allowlist's (:class:`~.endpoints.Guard`);
- response bodies are read up to ``TasksConfig.max_response_bytes`` (1 MiB); a larger one
  fails the Task with ``States.DataLimitExceeded``;
- the synchronous ``python:module:function`` Lambda stand-ins (some sleep) run in a small
  bounded thread pool (``python_workers``, through ``loop.run_in_executor``), never on the
  loop.

Time limits: a :class:`Deadline` is a wall-clock instant - the earlier of the state's
deadline (``TimeoutSeconds``) and now + the resource's own cap - and :func:`within` bounds
everything a call awaits by it (pool wait, DNS, connect, headers, body). When the state's
deadline is what ran out the Task fails with ``States.Timeout``; when the cap ran out,
:class:`CapExpired` is raised for the resource to name (``States.Http.Socket``,
``Sandbox.Timedout``, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from ..asl.errors import DATA_LIMIT_EXCEEDED, PERMISSIONS, TIMEOUT, StatesError
from .config import TasksConfig
from .endpoints import Destinations, Guard, Refused

__all__ = [
    "IO",
    "Reply",
    "Deadline",
    "within",
    "CapExpired",
    "NetworkError",
    "header_safe",
    "DEADLINE_HEADER",
]

# Every Task request (not the OAuth token request) says when the engine stops waiting for
# it, in integer milliseconds since the Unix epoch; the services refuse to commit work
# after it. The engine's value replaces any a definition sets.
DEADLINE_HEADER = "X-Request-Deadline"


def header_safe(value: str) -> str:
    """HTTP header values are latin-1 on the wire: percent-encode anything non-ASCII (an
    execution name may be Unicode) - deterministically, so an idempotency key stays stable."""
    return value if value.isascii() else quote(value, safe="")


class CapExpired(TimeoutError):
    """The resource's own time limit (not the state's TimeoutSeconds) ran out."""


class NetworkError(Exception):
    """No answer could be had: refused, reset, DNS failure... (the message says which)."""


@dataclass(frozen=True, slots=True)
class Deadline:
    """When a call stops waiting: ``at`` (``time.time()`` seconds), ``by_state`` when the
    state's deadline is the earlier limit, ``cap`` the resource's own limit in seconds."""

    at: float
    by_state: bool
    cap: float

    @classmethod
    def of(cls, state_deadline: float | None, cap: float) -> Deadline:
        limit = time.time() + cap
        if state_deadline is not None and state_deadline <= limit:
            return cls(state_deadline, True, cap)
        return cls(limit, False, cap)

    def remaining(self) -> float:
        return self.at - time.time()

    def header(self) -> str:
        return str(int(self.at * 1000))


@contextlib.asynccontextmanager
async def within(deadline: Deadline) -> AsyncIterator[None]:
    """Bound the block by ``deadline``: States.Timeout or :class:`CapExpired` when it passes
    (at once, before any I/O, when it already has)."""
    remaining = deadline.remaining()
    try:
        if remaining <= 0:
            raise TimeoutError
        async with asyncio.timeout(remaining):
            yield
    except TimeoutError as exc:
        if isinstance(exc, CapExpired):
            raise
        if deadline.by_state:
            raise StatesError(TIMEOUT, None) from None
        raise CapExpired from None


@dataclass(slots=True)
class Reply:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    media_type: str  # lower case, without parameters
    charset: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def text(self) -> str:
        try:
            return self.body.decode(self.charset or "utf-8", errors="replace")
        except LookupError:  # an unknown charset name
            return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The parsed body when it is JSON (by content type), else its text."""
        text = self.text()
        if text and (self.media_type == "application/json" or self.media_type.endswith("+json")):
            try:
                return json.loads(text)
            except ValueError:
                pass  # a server that lies about its content type: keep the text
        return text


@dataclass
class _Loop:
    """The per-process part: the thread, its loop and everything bound to that loop."""

    pid: int
    loop: asyncio.AbstractEventLoop
    pool: ThreadPoolExecutor
    guard: Guard
    thread: threading.Thread | None = None
    session: aiohttp.ClientSession | None = None
    tasks: set[asyncio.Task] = field(default_factory=set)


class IO:
    """The ``tasks-io`` loop thread and the HTTP client; see the module docstring."""

    def __init__(self, config: TasksConfig, destinations: Destinations) -> None:
        self._config = config
        self._destinations = destinations
        self._lock = threading.Lock()
        self._state: _Loop | None = None  # the loop new calls go to
        self._loops: dict[asyncio.AbstractEventLoop, _Loop] = {}  # every running one

    # -- lifecycle (any thread) --------------------------------------------------------------
    def _current(self) -> _Loop:
        state = self._state
        if state is not None and state.pid == os.getpid():
            return state
        # First use, after close(), or in a forked child (whose copy of the parent's thread
        # does not run): start a loop of our own. The parent's objects are left alone.
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        pool = ThreadPoolExecutor(
            max(1, int(self._config.python_workers)), thread_name_prefix="tasks-python"
        )
        state = _Loop(os.getpid(), loop, pool, Guard(self._destinations))
        state.thread = threading.Thread(
            target=self._serve, args=(state, ready), daemon=True, name="tasks-io"
        )
        self._loops[loop] = state
        state.thread.start()
        ready.wait()
        self._state = state
        return state

    def _here(self) -> _Loop:
        """The state of the loop the caller runs on (also while close() winds it down)."""
        return self._loops[asyncio.get_running_loop()]

    def _serve(self, state: _Loop, ready: threading.Event) -> None:
        asyncio.set_event_loop(state.loop)
        try:
            state.session = state.loop.run_until_complete(self._session(state))
            ready.set()
            state.loop.run_forever()
        finally:
            ready.set()
            self._loops.pop(state.loop, None)
            state.loop.close()
            state.pool.shutdown(wait=False, cancel_futures=True)

    async def _session(self, state: _Loop) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._config.max_connections,
            limit_per_host=self._config.max_connections_per_host,
            resolver=state.guard.resolver(),
            socket_factory=state.guard.socket_factory,
            use_dns_cache=False,
        )  # the guard caches lookups itself (one cache)
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
            timeout=aiohttp.ClientTimeout(total=None),  # within() bounds every call
            raise_for_status=False,
        )

    def spawn(
        self,
        factory: Callable[[], Coroutine[Any, Any, Any]],
        on_done: Callable[[asyncio.Task], None] | None = None,
    ) -> None:
        """Run ``factory()`` as a task on the loop (thread-safe, never blocks for long).
        ``on_done(task)`` runs on the loop when the task ends - also when :meth:`close`
        cancels it, even before it started."""
        with self._lock:  # orders spawns against close(): none is lost in between
            state = self._current()
            state.loop.call_soon_threadsafe(self._start, state, factory, on_done)

    @staticmethod
    def _start(
        state: _Loop,
        factory: Callable[[], Coroutine[Any, Any, Any]],
        on_done: Callable[[asyncio.Task], None] | None,
    ) -> asyncio.Task:
        task = state.loop.create_task(factory())
        state.tasks.add(task)  # close() cancels what is in here
        task.add_done_callback(state.tasks.discard)
        if on_done is not None:
            task.add_done_callback(on_done)
        return task

    def background(self, awaitable: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """A task on the caller's loop that close() cancels too (on the loop thread)."""
        return self._start(self._here(), lambda: awaitable, None)

    def on_loop(self) -> bool:
        return any(
            threading.current_thread() is state.thread for state in list(self._loops.values())
        )

    def close(self) -> None:
        """Cancel the calls in flight (their ``on_done`` still runs), close the session and
        stop the thread. A later call starts a new loop."""
        with self._lock:
            state, self._state = self._state, None
            if state is None or state.pid != os.getpid():
                return
            state.loop.call_soon_threadsafe(lambda: state.loop.create_task(self._shutdown(state)))
        if state.thread is not None and threading.current_thread() is not state.thread:
            state.thread.join(timeout=10)

    @staticmethod
    async def _shutdown(state: _Loop) -> None:
        while state.tasks:  # cancelled calls may still start background tasks
            tasks = list(state.tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if state.session is not None:
            await state.session.close()
        state.loop.stop()

    # -- on the loop -------------------------------------------------------------------------
    async def run_blocking(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` on the bounded stand-in pool; the loop keeps running meanwhile."""
        state = self._here()
        return await state.loop.run_in_executor(state.pool, fn, *args)

    async def check(self, url: URL) -> None:
        """The allowlist check on ``url``'s destination, before any I/O (see endpoints)."""
        try:
            await self._here().guard.permitted(url.raw_host or "", url.port or 0)
        except Refused as exc:
            raise StatesError(PERMISSIONS, _refusal(url, exc)) from None
        except OSError as exc:
            raise NetworkError(f"{exc.__class__.__name__}: {exc}") from None

    async def request(
        self, method: str, url: URL, *, headers: Any = None, data: bytes | None = None
    ) -> Reply:
        """One HTTP exchange, the body read up to the cap. Raises StatesError
        (States.Permissions, States.DataLimitExceeded) or NetworkError; bound it with
        :func:`within` (nothing here times out by itself)."""
        await self.check(url)
        state = self._here()
        assert state.session is not None
        try:
            async with state.session.request(
                method, url, headers=headers, data=data, allow_redirects=False
            ) as response:
                body = await self._read(response, url)
                return Reply(
                    response.status,
                    response.reason or "",
                    [(name, value) for name, value in response.headers.items()],
                    body,
                    (response.content_type or "").lower(),
                    response.charset,
                )
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, Refused):
                raise StatesError(PERMISSIONS, _refusal(url, exc.os_error)) from None
            raise NetworkError(f"{exc.__class__.__name__}: {exc}") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise NetworkError(f"{exc.__class__.__name__}: {exc}") from None

    async def _read(self, response: aiohttp.ClientResponse, url: URL) -> bytes:
        # Counted as read (after decompression), not as declared: Content-Length may lie,
        # be absent (chunked) or describe a body HEAD never sends.
        limit = int(self._config.max_response_bytes)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise StatesError(
                    DATA_LIMIT_EXCEEDED,
                    (
                        f"The response of {_shown(url)} is larger than the {limit} bytes "
                        f"allowed (maxResponseBytes in the orchestrator config)"
                    ),
                )
            chunks.append(chunk)
        return b"".join(chunks)


def _shown(url: URL) -> str:
    # Without the query: a connection may have put an API key there.
    return str(url.with_query(None).with_fragment(None))


def _refusal(url: URL, refused: Refused) -> str:
    return f"Refused to call {_shown(url)}: {refused}"
