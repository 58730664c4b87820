"""A Distributed Map's ``ResultWriter``: its child executions' results, transformed, as the
Map's result or written to S3.

AWS developer guide, "ResultWriter (Map)": with ``Resource``
``arn:aws:states:::s3:putObject`` and ``Parameters`` (JSONata: ``Arguments``) ``Bucket``
and ``Prefix``, "Step Functions consolidates all child workflow execution data, such as
execution input and output, ARN, and execution status. It then exports executions with the
same status to their respective files": under ``<Prefix>/<Map Run UUID>/``, the files
``SUCCEEDED_<n>.json``, ``FAILED_<n>.json`` and ``PENDING_<n>.json`` and a
``manifest.json`` (``{"DestinationBucket", "MapRunArn", "ResultFiles": {"FAILED": [...],
"PENDING": [...], "SUCCEEDED": [...]}}``, each file as ``{"Key", "Size"}``); the Map's
result is then ``{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}`` (the
manifest's key). ``WriterConfig.Transformation``: ``NONE`` (the default when exporting
without a WriterConfig) gives each execution's record (``ExecutionArn``, ``Input``,
``Name``, ``Output`` or ``Error``/``Cause``, ``StartDate``, ``StopDate``, ``Status``, ...),
``COMPACT`` (the default without a ResultWriter) only its output, ``FLATTEN`` its output
with arrays flattened; "If a child workflow execution fails, Step Functions returns its
execution result unchanged" (as NONE). ``OutputType`` ``JSON`` writes a JSON array per
file, ``JSONL`` one record per line (those files end in ``.jsonl`` here). A ResultWriter
with only a WriterConfig transforms the Map's result and writes nothing. A failed write is
``States.ResultWriterFailed``.

**Bounded memory**: a file is closed as soon as what it holds reaches :data:`FILE_BYTES`
(AWS: 5 GB per file) and written at the Map Run's next step, so a Map Run of any size
holds at most that much of its results per status, plus the results of the children that
end between two steps (at most ``MaxConcurrency`` of them); readers that follow the
manifest see every record either way.
The ABORTED children's records go to the FAILED files; PENDING files list children that
never ran, and there are none here (a Map Run either runs every item or fails before it
reads on), so ``PENDING`` is always empty.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..document import Doc, dumps
from ..errors import RESULT_WRITER_FAILED, StatesError
from .item_reader import s3_call
from .map_run import SUCCEEDED, Child, MapRun, Results

__all__ = ["result_sink", "FILE_BYTES"]

FILE_BYTES = 8 * 1024 * 1024
_GROUPS = ("FAILED", "PENDING", "SUCCEEDED")


def _failed(cause: str) -> StatesError:
    return StatesError(RESULT_WRITER_FAILED, cause)


def result_sink(state, selected: Doc, run, map_run: MapRun) -> Results:
    """Where the children's results go: the Map's result (no ResultWriter, or only its
    WriterConfig) or S3."""
    writer = state.result_writer
    if writer is None:
        return Results(map_run.total)
    config = writer.get("WriterConfig") or {}
    export = "Resource" in writer
    transformation = config.get("Transformation", "NONE" if export else "COMPACT")
    if not export:
        return _Transformed(map_run, transformation)
    resource = str(writer["Resource"])
    if resource != "arn:aws:states:::s3:putObject":
        raise _failed(f"The ResultWriter resource {resource} is not supported")
    args = state.io.writer_arguments(selected, run)
    if not isinstance(args, dict) or not isinstance(args.get("Bucket"), str):
        raise _failed("The ResultWriter's parameters must name the Bucket (a string)")
    prefix = args.get("Prefix", "")
    if not isinstance(prefix, str):
        raise _failed("The ResultWriter's Prefix must be a string")
    return _Exported(
        run, map_run, transformation, config.get("OutputType", "JSON"), args["Bucket"], prefix
    )


def _date(when: datetime | None) -> str | None:
    if when is None:
        return None
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _record(map_run: MapRun, child: Child, status: str, details: dict) -> dict:
    """An execution's record (Transformation NONE)."""
    record: dict[str, Any] = {
        "ExecutionArn": child.arn,
        "Input": child.input_text,
        "InputDetails": {"Included": True},
        "Name": child.name,
    }
    if status == SUCCEEDED:
        record["Output"] = details.get("output")
        record["OutputDetails"] = {"Included": True}
    else:
        for key in ("error", "cause"):
            if details.get(key) is not None:
                record[key.capitalize()] = details[key]
    record.update(
        RedriveCount=child.redrive_count,
        RedriveStatus="NOT_REDRIVABLE" if status == SUCCEEDED else "REDRIVABLE_BY_MAP_RUN",
        StartDate=_date(child.info.start_time if child.info else None),
        StateMachineArn=map_run.state_machine_arn,
        Status=status,
        StopDate=_date(child.history.last_timestamp()),
    )
    if status == SUCCEEDED:
        record["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
    return record


def _entries(transformation: str, map_run, child, status, value, details) -> list:
    """What one child contributes to the results (FLATTEN: several entries)."""
    if status != SUCCEEDED or transformation == "NONE":
        return [_record(map_run, child, status, details)]
    if transformation == "FLATTEN" and isinstance(value, list):
        return list(value)
    return [value]


class _Transformed(Results):
    """Only a WriterConfig: the transformed results are the Map's result."""

    def __init__(self, map_run: MapRun, transformation: str) -> None:
        super().__init__(map_run.total)
        self.map_run = map_run
        self.transformation = transformation

    def add(self, child: Child, status: str, value: Any, details: dict) -> None:
        self.values[child.index] = _entries(
            self.transformation, self.map_run, child, status, value, details
        )

    def output(self) -> Any:
        return [entry for entries in self.values if entries for entry in entries]


class _Exported(Results):
    """The results written to S3, a file per status whenever it holds :data:`FILE_BYTES`."""

    def __init__(
        self, run, map_run: MapRun, transformation: str, output_type: str, bucket: str, prefix: str
    ) -> None:
        super().__init__(0)
        self.run = run
        self.map_run = map_run
        self.transformation = transformation
        self.jsonl = output_type == "JSONL"
        self.bucket = bucket
        base = prefix.rstrip("/")
        self.base = f"{base}/{map_run.uuid}" if base else map_run.uuid
        self.held: dict[str, list[str]] = {group: [] for group in _GROUPS}
        self.held_bytes = dict.fromkeys(_GROUPS, 0)
        self.files: dict[str, list[dict]] = {group: [] for group in _GROUPS}
        self.sealed: list[tuple[str, str]] = []  # (key, body) of the files to write
        self.numbers = dict.fromkeys(_GROUPS, 0)  # of each group's next file
        self.writes = 0

    def add(self, child: Child, status: str, value: Any, details: dict) -> None:
        group = "SUCCEEDED" if status == SUCCEEDED else "FAILED"
        for entry in _entries(self.transformation, self.map_run, child, status, value, details):
            text = dumps(entry)
            self.held[group].append(text)
            self.held_bytes[group] += len(text) + 1
            if self.held_bytes[group] >= FILE_BYTES:
                self._seal(group)
        self.map_run.results_written += 1

    async def settle(self) -> None:
        while self.sealed:
            key, body = self.sealed.pop(0)
            await self._put(key, body)

    async def finish(self) -> None:
        for group in _GROUPS:
            if self.held[group]:
                self._seal(group)
        await self.settle()
        manifest = {
            "DestinationBucket": self.bucket,
            "MapRunArn": self.map_run.arn,
            "ResultFiles": self.files,
        }
        await self._put(f"{self.base}/manifest.json", dumps(manifest))

    def reopen(self) -> None:
        """A redrive runs every FAILED or ABORTED child again: the FAILED files written
        so far leave the manifest (the next manifest lists the new ones, numbered on, so
        that no object is written twice); the SUCCEEDED files stay."""
        self.files["FAILED"] = []

    def _seal(self, group: str) -> None:
        """What ``group`` holds becomes its next file, written at the next settle()."""
        texts, self.held[group], self.held_bytes[group] = self.held[group], [], 0
        if self.jsonl:
            body, suffix = "".join(text + "\n" for text in texts), "jsonl"
        else:
            body, suffix = "[" + ",".join(texts) + "]", "json"
        key = f"{self.base}/{group}_{self.numbers[group]}.{suffix}"
        self.numbers[group] += 1
        self.files[group].append({"Key": key, "Size": len(body.encode("utf-8"))})
        self.sealed.append((key, body))

    async def _put(self, key: str, body: str) -> None:
        self.writes += 1
        params = {"Bucket": self.bucket, "Key": key, "Body": body}
        await s3_call(self.run, "putObject", params, f"writer/{self.writes}", RESULT_WRITER_FAILED)

    def output(self) -> Any:
        return {
            "MapRunArn": self.map_run.arn,
            "ResultWriterDetails": {"Bucket": self.bucket, "Key": f"{self.base}/manifest.json"},
        }
