"""``Transform.RequestBodyEncoding: URL_ENCODED`` for the HTTP Task.

AWS (Call HTTPS APIs, Transform): "By default, Step Functions sends the request body as JSON
data to an API endpoint. If your API provider accepts form-urlencoded request bodies, use
the Transform field to specify URL-encoding for the request bodies." ``ArrayFormat``, for
``{"array": ["a","b","c","d"]}``:

- ``INDICES`` (default) "repeats key for each item in an array and adds an index bracket":
  ``array[0]=a&array[1]=b&array[2]=c&array[3]=d``
- ``REPEAT`` "repeats a key for each item": ``array=a&array=b&array=c&array=d``
- ``COMMAS`` "encodes all the values in a key as a comma-delimited list": ``array=a,b,c,d``
- ``BRACKETS`` "repeats a key for each item and adds an empty bracket":
  ``array[]=a&array[]=b&array[]=c&array[]=d``

Nested objects use bracket keys (``meta[owner]=x``). Brackets stay literal as in AWS's
examples; everything else is percent-encoded (space as ``%20``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from ..asl.errors import RUNTIME, StatesError

__all__ = ["ARRAY_FORMATS", "urlencode_body"]

ARRAY_FORMATS = ("INDICES", "REPEAT", "COMMAS", "BRACKETS")


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value)  # true/false and numbers as JSON writes them


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def urlencode_body(body: Any, array_format: str = "INDICES") -> str:
    """Encode a JSON object as ``application/x-www-form-urlencoded`` text."""
    if array_format not in ARRAY_FORMATS:
        raise StatesError(
            RUNTIME,
            f"Invalid Transform.RequestEncodingOptions.ArrayFormat "
            f"{array_format!r}: expected one of {', '.join(ARRAY_FORMATS)}",
        )
    if not isinstance(body, dict):
        raise StatesError(
            RUNTIME,
            "RequestBody must be a JSON object (or a string) when "
            "Transform.RequestBodyEncoding is URL_ENCODED",
        )
    pairs: list[tuple[str, str]] = []

    def walk(key: str, value: Any) -> None:
        if isinstance(value, dict):
            for sub, item in value.items():
                walk(f"{key}[{sub}]", item)
        elif isinstance(value, list):
            if array_format == "COMMAS" and all(_is_scalar(item) for item in value):
                if value:
                    pairs.append((key, ",".join(quote(_scalar(i), safe="") for i in value)))
                return
            for index, item in enumerate(value):
                if array_format == "REPEAT":
                    walk(key, item)
                elif array_format == "BRACKETS":
                    walk(f"{key}[]", item)
                else:  # INDICES, and COMMAS lists holding objects (no comma form for those)
                    walk(f"{key}[{index}]", item)
        else:
            pairs.append((key, quote(_scalar(value), safe="")))

    for name, value in body.items():
        walk(str(name), value)
    return "&".join(f"{quote(key, safe='[]')}={value}" for key, value in pairs)
