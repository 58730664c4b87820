"""Resource tags: the rules of TagResource, UntagResource, ListTagsForResource and the
``tags`` member of CreateStateMachine / CreateActivity.

AWS API reference, ``Tag``: "Tags may only contain Unicode letters, digits, white space, or
these symbols: ``_ . : / = + - @``"; key 1-128 characters, value 0-256. TagResource: "Tags
are key-value pairs ... you can add up to 50 tags" to a resource; keys starting ``aws:`` are
reserved for AWS ("Tag keys must not start with 'aws:'"). Tagging an existing key replaces its
value; UntagResource ignores keys the resource does not have. Tags are kept in the order
they were first added (AWS lists them so).

A resource's tags live in its own stored record (``tags``: a list of ``{"key", "value"}``),
so that they are created and deleted with it.
"""

from __future__ import annotations

import re

from .errors import ApiError

__all__ = ["MAX_TAGS", "check_tags", "merged", "without"]

MAX_TAGS = 50
_MAX_KEY = 128
_MAX_VALUE = 256
_ALLOWED = re.compile(r"^[\w\s.:/=+\-@]*$")


def _invalid(message: str) -> ApiError:
    return ApiError("ValidationException", message)


def check_tags(tags: list | None) -> list[dict]:
    """The tags of a request, checked: ``[{"key", "value"}]`` (value defaults to "")."""
    out: list[dict] = []
    for index, tag in enumerate(tags or []):
        key, value = tag.get("key"), tag.get("value", "")
        if value is None:
            value = ""
        where = f"tags.{index + 1}.member"
        if not isinstance(key, str) or not 1 <= len(key) <= _MAX_KEY:
            raise _invalid(
                f"1 validation error detected: Value '{key}' at '{where}.key' failed to "
                f"satisfy constraint: Member must have length between 1 and {_MAX_KEY}"
            )
        if not isinstance(value, str) or len(value) > _MAX_VALUE:
            raise _invalid(
                f"1 validation error detected: Value '{value}' at '{where}.value' failed "
                f"to satisfy constraint: Member must have length less than or equal to "
                f"{_MAX_VALUE}"
            )
        for name, text in (("key", key), ("value", value)):
            if not _ALLOWED.match(text):
                raise _invalid(
                    f"1 validation error detected: Value '{text}' at '{where}.{name}' failed "
                    f"to satisfy constraint: Member must satisfy regular expression pattern: "
                    f"^([\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]*)$"
                )
        if key.lower().startswith("aws:"):
            raise _invalid(f"Tag keys must not start with 'aws:': '{key}'")
        out.append({"key": key, "value": value})
    return out


def merged(current: list[dict], new: list[dict], resource_arn: str) -> list[dict]:
    """``current`` with ``new`` added (an existing key takes the new value), at most
    :data:`MAX_TAGS` in all (``TooManyTags`` otherwise, nothing changed)."""
    out = [dict(t) for t in current]
    index = {t["key"]: i for i, t in enumerate(out)}
    for tag in new:
        if tag["key"] in index:
            out[index[tag["key"]]]["value"] = tag["value"]
        else:
            index[tag["key"]] = len(out)
            out.append(dict(tag))
    if len(out) > MAX_TAGS:
        raise ApiError(
            "TooManyTags",
            f"Too many tags: a resource can have at most {MAX_TAGS} tags; "
            f"'{resource_arn}' would have {len(out)}",
            members={"resourceName": resource_arn},
        )
    return out


def without(current: list[dict], keys: list[str]) -> list[dict]:
    drop = set(keys)
    return [dict(t) for t in current if t["key"] not in drop]
