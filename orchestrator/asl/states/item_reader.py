"""A Distributed Map's child inputs: its items read from S3 (``ItemReader``), each through
``ItemSelector``, grouped in batches (``ItemBatcher``).

AWS developer guide, "ItemReader (Map)": ``arn:aws:states:::s3:getObject`` reads one
object, whose ``ReaderConfig.InputType`` says what it holds - ``JSON`` (an array),
``JSONL`` (one value per line), ``CSV`` (``CSVHeaderLocation`` ``FIRST_ROW`` or ``GIVEN``
with ``CSVHeaders``; ``CSVDelimiter``; every value a string) or ``MANIFEST`` (an S3
Inventory ``manifest.json``, whose gzipped CSV files list the objects);
``arn:aws:states:::s3:listObjectsV2`` lists a bucket (each item ``{"Etag",
"LastModified", "Key", "Size", "StorageClass"}``). ``ReaderConfig.MaxItems`` (or
``MaxItemsPath``) caps the items read, 0 meaning no cap. With an ItemReader, ``ItemsPath``
plays no part. Any failure to read is ``States.ItemReaderFailed``.

What the recorded executions show (``scenarios/test_base_scenarios.test_map_item_reader_*``):
``MapStateStarted`` has ``length`` 0 and the reading happens after ``MapRunStarted``; a
failure records ``MapRunFailed`` with the error and cause, then ``MapStateFailed``; CSV
headers must be unique ("CSV headers cannot contain duplicates."), a row's missing fields
are ``""`` and its extra fields are dropped, an empty line is no row, and a row's keys
come in the iteration order of the Java ``HashMap`` AWS builds it in (:func:`java_order`); a MaxItemsPath value
below 0 fails with "field MaxItems must be positive"; a JSON object that is not an array
fails with "Attempting to map over non-iterable node.".

"ItemBatcher (Map)": each child gets ``{"BatchInput": ..., "Items": [...]}`` (BatchInput
only when set) with at most ``MaxItemsPerBatch`` items and at most
``MaxInputBytesPerBatch`` bytes (256 KiB when unset: a child's input limit); an item
larger than the byte limit goes alone in its batch.

**Bounded memory.** The items are never all held at once: every S3 read is an ``Invoke``
of at most :data:`CHUNK_BYTES` (or one listing page), journaled by the durable engine like
a Task's call, and the items are parsed as the bytes arrive. The Map Run's size must be
known before the first child starts (``ToleratedFailurePercentage`` and DescribeMapRun's
``total`` depend on it), so the source is read twice: once to count the child inputs (and
to find a bad file before any child runs), then again as the children start, with
``IfMatch`` on the ETag of the first read (an object changed in between fails the Map
with ``States.ItemReaderFailed``) and the listing's own continuation tokens. A source
whose child inputs fit in :data:`KEEP_BYTES` is read once and kept.
"""

from __future__ import annotations

import base64
import codecs
import csv
import json
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from ..context import map_item_context
from ..document import Doc, dumps
from ..errors import ITEM_READER_FAILED, StatesError
from ..runtime import Invoke, yield_now

__all__ = ["ChildInputs", "child_inputs", "s3_call", "CHUNK_BYTES", "KEEP_BYTES"]

CHUNK_BYTES = 512 * 1024  # one ranged GetObject (under the Task resources' 1 MiB cap)
KEEP_BYTES = 1024 * 1024  # child inputs up to this size are read once and kept
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024  # a JSON array or a manifest is parsed whole
LIST_PAGE = 1000  # ListObjectsV2 keys per page (S3's maximum)
MAX_BATCH_BYTES = 262144  # AWS: MaxInputBytesPerBatch is at most 256 KiB
_DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}


def _failed(cause: str) -> StatesError:
    return StatesError(ITEM_READER_FAILED, cause)


async def s3_call(run, action: str, params: dict, tag: str, error: str) -> Any:
    """One S3 call of an ItemReader or ResultWriter (``arn:aws:states:::s3:<action>``, served
    by the AWS Task resources); its failure is ``error`` with the service's error and cause."""
    env = run.frame.env
    call = Invoke(
        resource=f"arn:aws:states:::s3:{action}",
        parameters=params,
        state_name=run.state.name,
        key=f"{env.info.execution_arn}#{run.entered_id}#{tag}",
        attempt=run.retry_count,
    )
    try:
        answer = await call
    except StatesError as err:
        raise StatesError(error, f"{err.error}: {err.cause}" if err.cause else err.error) from None
    return answer.value if isinstance(answer, Doc) else answer  # the engine answers a Doc


class ChildInputs:
    """The inputs of a Map Run's child executions: ``total`` of them, holding ``items``
    items in all (more with an ItemBatcher), streamed in order by :meth:`stream` (called
    once)."""

    def __init__(self, total: int, items: int, produce: Callable[[], AsyncIterator[Doc]]) -> None:
        self.total = total
        self.items = items
        self._produce = produce

    async def stream(self) -> AsyncIterator[Doc]:
        produced = 0
        async for doc in self._produce():
            if produced >= self.total:
                break
            produced += 1
            yield doc
        if produced < self.total:
            raise _failed(
                f"The items changed while the Map Run read them: {produced} of {self.total} "
                "found on the second read"
            )


async def child_inputs(state, selected: Doc, run, items: list | None) -> ChildInputs:
    """The child inputs of a Distributed Map: of ``items`` (the state input's, or
    TestState's), else of its ItemReader."""
    io = state.io
    batcher = _batcher(state, selected, run)
    if items is None and state.item_reader is not None:
        source = _source(state, selected, run)
        raw: Callable[[], AsyncIterator[Any]] = source.items
    else:
        listed = items if items is not None else io.map_items(selected, run)

        async def raw() -> AsyncIterator[Any]:
            for item in listed:
                yield item

        if batcher is None:  # one child per item: nothing to count
            return ChildInputs(
                len(listed), len(listed), lambda: _pipeline(raw(), io, selected, run, None)
            )

    def produce() -> AsyncIterator[Doc]:
        return _pipeline(raw(), io, selected, run, batcher)

    total, count, size = 0, 0, 0
    kept: list[Doc] | None = []
    async for doc in produce():  # the counting read
        total += 1
        count += 1 if batcher is None else len(doc.value["Items"])
        if kept is not None:
            size += len(doc.text)
            if size <= KEEP_BYTES:
                kept.append(doc)
            else:
                kept = None  # too many to keep: the children's read is a second one
    if kept is not None:
        held = kept

        async def again() -> AsyncIterator[Doc]:
            for doc in held:
                yield doc

        return ChildInputs(total, count, again)
    return ChildInputs(total, count, produce)


async def _pipeline(
    items: AsyncIterator[Any], io, selected: Doc, run, batcher
) -> AsyncIterator[Doc]:
    """Each item through ItemSelector (``$$.Map.Item``), then in batches when set."""
    selector = io.item_selector
    batch: list = []
    batch_size = 0
    index = 0
    async for item in items:
        if index and not index % 1024:
            await yield_now()  # a long ItemSelector loop must not hold the driver
        if selector is not None:
            ctx = {**run.context(), "Map": {"Item": map_item_context(index, item)}}
            item = io.select_item(selected, ctx, run)
        index += 1
        if batcher is None:
            yield Doc(item)
            continue
        max_items, max_bytes, head = batcher
        size = len(dumps(item).encode("utf-8")) + (1 if batch else 0)  # and its comma
        if batch and (len(batch) >= max_items or batch_size + size > max_bytes):
            yield Doc({**head, "Items": batch})
            batch, batch_size, size = [], 0, size - 1
        batch.append(item)
        batch_size += size
    if batch:
        yield Doc({**head, "Items": batch})


def _batcher(state, selected: Doc, run) -> tuple[int, int, dict] | None:
    """(items per batch, bytes per batch left for the items, the batch's head) or None."""
    if state.item_batcher is None:
        return None
    io = state.io
    max_items = io.map_number("MaxItemsPerBatch", selected, run)
    max_bytes = io.map_number("MaxInputBytesPerBatch", selected, run)
    for name, value in (("MaxItemsPerBatch", max_items), ("MaxInputBytesPerBatch", max_bytes)):
        if value is not None and value <= 0:
            raise run.runtime_error(f"The field {name} must be a positive integer: {value}")
    if max_bytes is not None and max_bytes > MAX_BATCH_BYTES:
        raise run.runtime_error(f"MaxInputBytesPerBatch cannot exceed {MAX_BATCH_BYTES} bytes")
    batch_input = io.batch_input(selected, run)
    head = {} if batch_input is None else {"BatchInput": batch_input}
    overhead = len(dumps({**head, "Items": []}).encode("utf-8"))
    return (
        max_items or 2**62,
        (max_bytes or MAX_BATCH_BYTES) - overhead,
        head,
    )


# -- the sources -------------------------------------------------------------------------


def _source(state, selected: Doc, run) -> _Source:
    reader = state.item_reader
    io = state.io
    config = reader.get("ReaderConfig") or {}
    max_items = io.map_number("MaxItems", selected, run)
    if max_items is not None and max_items < 0:
        raise _failed("field MaxItems must be positive")
    args = io.reader_arguments(selected, run)
    if not isinstance(args, dict) or not isinstance(args.get("Bucket"), str):
        raise _failed("The ItemReader's parameters must name the Bucket (a string)")
    resource = str(reader.get("Resource", ""))
    action = resource.rsplit(":", 1)[-1]
    if resource.startswith("arn:aws:states:::s3:") and action == "listObjectsV2":
        return _Listing(run, args, max_items or 0)
    if not (resource.startswith("arn:aws:states:::s3:") and action == "getObject"):
        raise _failed(f"The ItemReader resource {resource} is not supported")
    if not isinstance(args.get("Key"), str):
        raise _failed("The ItemReader's parameters must name the Key (a string)")
    return _Object(run, args, config, max_items or 0)


class _Source:
    """An ItemReader source: :meth:`items` reads it from the start (each call again)."""

    def __init__(self, run, args: dict, max_items: int) -> None:
        self.run = run
        self.args = args
        self.max_items = max_items
        self.reads = 0  # the Invoke tags: one per S3 call of this Map entry

    def tag(self) -> str:
        self.reads += 1
        return f"reader/{self.reads}"

    async def items(self) -> AsyncIterator[Any]:
        count = 0
        async for item in self.read():
            yield item
            count += 1
            if self.max_items and count >= self.max_items:
                return

    def read(self) -> AsyncIterator[Any]:
        raise NotImplementedError


class _Listing(_Source):
    """``s3:listObjectsV2``: a page of keys per call; the second read follows the first
    read's continuation tokens."""

    def __init__(self, run, args: dict, max_items: int) -> None:
        super().__init__(run, args, max_items)
        self.tokens: list[str] | None = None  # the first read's, page by page

    async def read(self) -> AsyncIterator[Any]:
        first = self.tokens is None
        tokens: list[str] = [] if first else list(self.tokens or ())
        page = 0
        token: str | None = None
        while True:
            params = {**self.args, "MaxKeys": LIST_PAGE}
            if token is not None:
                params["ContinuationToken"] = token
            answer = await s3_call(
                self.run, "listObjectsV2", params, self.tag(), ITEM_READER_FAILED
            )
            for entry in answer.get("Contents") or ():
                yield {
                    "Etag": entry.get("ETag"),
                    "LastModified": entry.get("LastModified"),
                    "Key": entry.get("Key"),
                    "Size": entry.get("Size"),
                    "StorageClass": entry.get("StorageClass"),
                }
            page += 1
            if first:
                token = answer.get("NextContinuationToken") if answer.get("IsTruncated") else None
                if token is not None:
                    tokens.append(token)
            else:
                token = tokens[page - 1] if page <= len(tokens) else None
            if token is None:
                break
        if first:
            self.tokens = tokens


class _Object(_Source):
    """``s3:getObject``: ranged reads of :data:`CHUNK_BYTES`, parsed as they arrive."""

    def __init__(self, run, args: dict, config: dict, max_items: int) -> None:
        super().__init__(run, args, max_items)
        self.input_type = config.get("InputType")
        self.config = config
        self.etags: dict[tuple[str, str], str] = {}  # (bucket, key) -> the first read's

    async def chunks(self, bucket: str, key: str) -> AsyncIterator[bytes]:
        offset, size = 0, None
        while size is None or offset < size:
            own = (bucket, key) == (self.args["Bucket"], self.args["Key"])
            params = {**self.args} if own else {"Bucket": bucket, "Key": key}
            params["Range"] = f"bytes={offset}-{offset + CHUNK_BYTES - 1}"
            etag = self.etags.get((bucket, key))
            if etag is not None:
                params["IfMatch"] = etag
            try:
                answer = await s3_call(
                    self.run, "getObject", params, self.tag(), ITEM_READER_FAILED
                )
            except StatesError as err:
                if etag is not None and "PreconditionFailed" in (err.cause or ""):
                    raise _failed(
                        f"The object s3://{bucket}/{key} changed while the Map Run read it"
                    ) from None
                raise
            if etag is None and answer.get("ETag"):
                self.etags[(bucket, key)] = answer["ETag"]
            body = base64.b64decode(answer.get("Body") or "")
            size = int(answer.get("Size") or 0)
            if not body:
                return
            offset += len(body)
            yield body

    async def text(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        try:
            async for chunk in chunks:
                yield decoder.decode(chunk)
            yield decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise _failed(f"The object is not UTF-8 text: {exc}") from None

    async def whole(self, bucket: str, key: str) -> Any:
        """The JSON document at ``bucket``/``key``."""
        parts: list[str] = []
        size = 0
        async for piece in self.text(self.chunks(bucket, key)):
            size += len(piece)
            if size > MAX_DOCUMENT_BYTES:
                raise _failed(
                    f"The JSON object s3://{bucket}/{key} is larger than "
                    f"{MAX_DOCUMENT_BYTES} bytes: use JSONL or CSV for more items"
                )
            parts.append(piece)
        try:
            return json.loads("".join(parts))
        except ValueError as exc:
            raise _failed(f"The object s3://{bucket}/{key} is not valid JSON: {exc}") from None

    async def read(self) -> AsyncIterator[Any]:
        bucket, key = self.args["Bucket"], self.args["Key"]
        kind = self.input_type
        if kind == "JSON":
            document = await self.whole(bucket, key)
            if not isinstance(document, list):
                raise _failed("Attempting to map over non-iterable node.")
            for item in document:
                yield item
        elif kind == "JSONL":
            async for line in _lines(self.text(self.chunks(bucket, key)), quoted=False):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except ValueError as exc:
                    raise _failed(
                        f"A line of s3://{bucket}/{key} is not valid JSON: {exc}"
                    ) from None
        elif kind == "CSV":
            location = self.config.get("CSVHeaderLocation", "FIRST_ROW")
            given = self.config.get("CSVHeaders") if location == "GIVEN" else None
            async for row in self.csv(bucket, key, given):
                yield row
        elif kind == "MANIFEST":
            async for row in self.manifest(bucket, key):
                yield row
        else:
            raise _failed(f"The ItemReader InputType {kind} is not supported")

    async def csv(
        self, bucket: str, key: str, headers: list | None, gzipped: bool = False
    ) -> AsyncIterator[dict]:
        delimiter = _DELIMITERS.get(self.config.get("CSVDelimiter", "COMMA"), ",")
        if headers is not None:
            _check_headers(headers)
        order: list[int] | None = None
        chunks = self.chunks(bucket, key)
        if gzipped:
            chunks = _gunzip(chunks)
        async for records in _records(self.text(chunks)):
            for row in csv.reader(records, delimiter=delimiter):
                if not row:
                    continue  # an empty line is no row
                if headers is None:
                    _check_headers(row)
                    headers = row
                    continue
                if order is None:
                    order = java_order(headers)
                yield {headers[i]: row[i] if i < len(row) else "" for i in order}
            await yield_now()

    async def manifest(self, bucket: str, key: str) -> AsyncIterator[dict]:
        """An S3 Inventory ``manifest.json``: its CSV files (gzipped), in order, each row named
        by ``fileSchema``."""
        manifest = await self.whole(bucket, key)
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
            raise _failed(f"s3://{bucket}/{key} is not an S3 Inventory manifest (no files)")
        if manifest.get("fileFormat", "CSV") != "CSV":
            raise _failed(f"The S3 Inventory format {manifest.get('fileFormat')} is not supported")
        schema = [name.strip() for name in str(manifest.get("fileSchema", "")).split(",")]
        destination = str(manifest.get("destinationBucket") or bucket).rsplit(":", 1)[-1]
        for entry in manifest["files"]:
            name = entry.get("key") if isinstance(entry, dict) else None
            if not isinstance(name, str):
                raise _failed(f"s3://{bucket}/{key} lists a file without a key")
            async for row in self.csv(destination, name, schema, gzipped=name.endswith(".gz")):
                yield row


def java_order(keys: list[str]) -> list[int]:
    """The positions of ``keys`` in the iteration order of a ``java.util.HashMap`` they were
    put in, in order: by bucket (``String.hashCode`` spread as ``h ^ (h >>> 16)``, masked by
    the table size: 16, doubled whenever the entries exceed 3/4 of it), then in insertion
    order within a bucket. Recorded: ``test_map_item_reader_csv_headers_first_row_typed_
    headers`` gives the headers ``0,True,{}`` as ``0, {}, True``."""
    capacity = 16
    while len(keys) > capacity * 3 // 4:
        capacity *= 2

    def bucket(key: str) -> int:
        h = 0
        units = key.encode("utf-16-be")  # Java strings are UTF-16 code units
        for i in range(0, len(units), 2):
            h = (31 * h + (units[i] << 8 | units[i + 1])) & 0xFFFFFFFF
        return (h ^ (h >> 16)) & (capacity - 1)

    return sorted(range(len(keys)), key=lambda i: (bucket(keys[i]), i))


def _check_headers(headers: list) -> None:
    if len(set(headers)) != len(headers):
        raise _failed("CSV headers cannot contain duplicates.")


async def _gunzip(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    inflate = zlib.decompressobj(wbits=31)
    try:
        async for chunk in chunks:
            out = inflate.decompress(chunk)
            if out:
                yield out
        rest = inflate.flush()
    except zlib.error as exc:
        raise _failed(f"A file of the manifest is not gzip data: {exc}") from None
    if rest:
        yield rest


async def _lines(text: AsyncIterator[str], quoted: bool) -> AsyncIterator[str]:
    async for records in _records(text, quoted):
        for record in records:
            yield record


async def _records(text: AsyncIterator[str], quoted: bool = True) -> AsyncIterator[list[str]]:
    """The complete lines of ``text`` (for CSV, ``quoted``: a newline inside double quotes
    does not end a record), a list per piece of text."""
    buffer = ""
    scanned = 0  # buffer[:scanned] holds no record end
    quotes = 0  # double quotes in the current record so far
    async for piece in text:
        buffer += piece
        out = []
        start = 0
        while True:
            end = buffer.find("\n", scanned)
            if end < 0:
                break
            if quoted:
                quotes += buffer.count('"', scanned, end)
            scanned = end + 1
            if quotes % 2 == 0:
                out.append(buffer[start:end])
                start = scanned
                quotes = 0
        if quoted:
            quotes += buffer.count('"', scanned)
        scanned = len(buffer) - start
        buffer = buffer[start:]
        if out:
            yield out
    if buffer:
        yield [buffer]
