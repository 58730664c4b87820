"""A fake S3 behind a Task hook, for unit tests of the Distributed Map's ItemReader and
ResultWriter (the real calls are tested against moto): ranged GetObject with IfMatch,
PutObject and paged ListObjectsV2 as ``arn:aws:states:::s3:<action>`` Invokes, answered as
the AWS Task resources answer them; every call is recorded in ``calls``."""

from __future__ import annotations

import base64
import hashlib

from orchestrator.asl.errors import StatesError
from orchestrator.asl.runtime import Invoke

__all__ = ["FakeS3"]


class FakeS3:
    """Objects of one bucket by key; ``change_after``: after that many GetObject calls, each
    read object changes (the second-read check)."""

    def __init__(self, objects: dict[str, bytes | str]) -> None:
        self.objects = {
            key: body.encode() if isinstance(body, str) else body for key, body in objects.items()
        }
        self.calls: list[tuple[str, dict]] = []
        self.change_after: int | None = None

    def __call__(self, command: Invoke):
        action = command.resource.rsplit(":", 1)[1]
        params = command.parameters
        self.calls.append((action, params))
        if action == "putObject":
            self.objects[params["Key"]] = params["Body"].encode()
            return {"ETag": '"x"'}
        if action == "listObjectsV2":
            names = sorted(k for k in self.objects if k.startswith(params.get("Prefix", "")))
            start = int(params.get("ContinuationToken") or 0)
            page = names[start : start + params["MaxKeys"]]
            more = start + len(page) < len(names)
            answer = {
                "Contents": [
                    {
                        "Key": k,
                        "ETag": f'"{k}"',
                        "Size": len(self.objects[k]),
                        "StorageClass": "STANDARD",
                        "LastModified": "2026-01-01T00:00:00Z",
                    }
                    for k in page
                ],
                "IsTruncated": more,
            }
            if more:
                answer["NextContinuationToken"] = str(start + len(page))
            return answer
        gets = sum(1 for a, _ in self.calls if a == "getObject")
        if self.change_after is not None and gets > self.change_after:
            self.objects[params["Key"]] += b"changed,row\n"
        body = self.objects.get(params["Key"])
        if body is None:
            raise StatesError("S3.NoSuchKeyException", "The specified key does not exist.")
        etag = '"' + hashlib.md5(body).hexdigest() + '"'
        if "IfMatch" in params and params["IfMatch"] != etag:
            raise StatesError("S3.PreconditionFailedException", "At least one precondition failed")
        first, last = params["Range"].removeprefix("bytes=").split("-")
        chunk = body[int(first) : int(last) + 1]
        return {"Body": base64.b64encode(chunk).decode(), "ETag": etag, "Size": len(body)}
