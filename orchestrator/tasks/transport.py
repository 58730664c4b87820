"""One pooled ``requests.Session`` per process, shared by every Task resource.

The engine calls Task resources from a bounded worker pool, so the session's connection
pool is sized to that pool (``TasksConfig.pool_size``). A process that forks (gunicorn
workers) gets a fresh session: sockets must not be shared across processes.
"""
from __future__ import annotations

import os
import threading
from http.cookiejar import CookiePolicy
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError

__all__ = ["SessionHolder", "is_timeout", "header_safe"]


class _NoCookies(CookiePolicy):
    """The shared session must not carry one execution's cookies into another's calls."""

    netscape = True
    rfc2965 = False
    hide_cookie2 = False

    def set_ok(self, cookie, request) -> bool:
        return False

    def return_ok(self, cookie, request) -> bool:
        return False

    def domain_return_ok(self, domain, request) -> bool:
        return False

    def path_return_ok(self, path, request) -> bool:
        return False


class SessionHolder:
    """Lazily creates the session; thread-safe; re-creates it after a fork."""

    def __init__(self, pool_size: int = 32) -> None:
        self._pool_size = max(1, int(pool_size))
        self._lock = threading.Lock()
        self._session: requests.Session | None = None
        self._pid = 0

    def get(self) -> requests.Session:
        session, pid = self._session, os.getpid()
        if session is not None and self._pid == pid:
            return session
        with self._lock:
            if self._session is None or self._pid != pid:
                session = requests.Session()
                # No retries here: retrying is the state machine's business (Retry field).
                adapter = HTTPAdapter(pool_connections=self._pool_size,
                                      pool_maxsize=self._pool_size, max_retries=0)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                # Never pick up proxies from the environment: calls go where the map says.
                session.trust_env = False
                session.cookies.set_policy(_NoCookies())
                self._session, self._pid = session, pid
            return self._session

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
            self._session = None


def is_timeout(exc: requests.RequestException) -> bool:
    """True for a connect/read timeout, also when it struck while reading the body (requests
    then wraps urllib3's ReadTimeoutError in a ConnectionError)."""
    if isinstance(exc, requests.Timeout):
        return True
    return any(isinstance(arg, ReadTimeoutError) for arg in exc.args)


def header_safe(value: str) -> str:
    """HTTP header values are latin-1 on the wire: percent-encode anything non-ASCII (an
    execution name may be Unicode) - deterministically, so an idempotency key stays stable."""
    return value if value.isascii() else quote(value, safe="")
