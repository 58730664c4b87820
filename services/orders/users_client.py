"""The orders service's only peer call: "does this user exist?" over HTTP.

The order service checks over HTTP that the user exists, with a timeout, and answers a
clear 4xx/5xx when it does not or cannot (README.md, "Services"). Mapping:
- users answers 200 → the user exists; 404 → 422 ``USER_NOT_FOUND`` (the order names a
  user that is not there);
- users answers anything else (e.g. 503 from its chaos switch) → 502 ``USERS_BAD_RESPONSE``;
- connection refused / dropped (after a bounded retry) → 503 ``USERS_UNAVAILABLE``;
- no answer within ``USERS_TIMEOUT`` seconds → 504 ``USERS_TIMEOUT``.
Only connection errors are retried: the GET is safe to repeat, and a refused or dropped
connection costs no waiting, whereas retrying a timeout would multiply the caller's wait.

With the caller's X-Request-Deadline, each attempt waits at most until ``deadline - margin``
(past that the order could not be committed anyway), the header is forwarded to users, and
running out of that time (before an attempt, during one, or as users' own 504
``DEADLINE_EXCEEDED``) is a 504 ``DEADLINE_EXCEEDED``.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable

import requests
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from services.common import ApiError
from services.common.deadline import HEADER as DEADLINE_HEADER
from services.common.deadline import Deadline, exceeded


def _is_connection_error(exc: BaseException) -> bool:
    # ConnectTimeout is both a ConnectionError and a Timeout: treat it as a timeout.
    return isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout)


def _error_code(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


class UsersClient:
    def __init__(
        self,
        base_url: str,
        timeout: float = 2.0,
        retries: int = 2,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.session = session or requests.Session()
        self.sleep = sleep  # injected so tests never wait for the backoff

    def _attempt(self, url: str, headers: dict, deadline: Deadline | None) -> requests.Response:
        timeout = self.timeout
        if deadline is not None:
            left = deadline.seconds_left()
            if left <= 0:
                raise exceeded(
                    "No time was left before the X-Request-Deadline to ask the users service."
                )
            timeout = min(timeout, left)
        try:
            return self.session.get(url, headers=headers, timeout=timeout)
        except requests.Timeout:
            if timeout < self.timeout:  # cut short by the deadline, not by USERS_TIMEOUT
                raise exceeded(
                    "The users service did not answer before the X-Request-Deadline."
                ) from None
            raise

    def _get(self, url: str, headers: dict, deadline: Deadline | None) -> requests.Response:
        retrying = Retrying(
            retry=retry_if_exception(_is_connection_error),
            stop=stop_after_attempt(self.retries + 1),
            wait=wait_exponential(multiplier=0.05, max=0.5),
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(self._attempt, url, headers, deadline)

    def ensure_user_exists(
        self, user_id: str, request_id: str | None = None, deadline: Deadline | None = None
    ) -> None:
        url = "%s/users/%s" % (self.base_url, urllib.parse.quote(user_id, safe=""))
        headers = {"X-Request-Id": request_id} if request_id else {}
        if deadline is not None:
            headers[DEADLINE_HEADER] = deadline.header_value
        try:
            response = self._get(url, headers, deadline)
        except requests.Timeout:
            raise ApiError(
                504, "USERS_TIMEOUT", "The users service did not answer within %ss." % self.timeout
            ) from None
        except requests.RequestException as exc:
            raise ApiError(
                503,
                "USERS_UNAVAILABLE",
                "The users service is unreachable at %s: %s" % (self.base_url, type(exc).__name__),
            ) from None
        if response.status_code == 200:
            return
        if response.status_code == 404:
            raise ApiError(422, "USER_NOT_FOUND", "No user with id %s." % user_id, field="userId")
        if (
            response.status_code == 504
            and deadline is not None
            and _error_code(response) == "DEADLINE_EXCEEDED"
        ):
            raise exceeded("The X-Request-Deadline passed before the users service could answer.")
        raise ApiError(
            502, "USERS_BAD_RESPONSE", "The users service answered %d." % response.status_code
        )
