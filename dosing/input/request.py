"""The dmdose JSON adapter: one request object → order, patient, current medications, options.

Used by ``dmdose verify`` (one object, a JSON array of them, or JSON lines) and by
any other door that receives dmdose JSON (an HTTP endpoint). Everything here is
strict and bounded *before* the expensive or recursive work starts:

- a request is at most :data:`MAX_REQUEST_BYTES` of UTF-8 (a byte-order mark is
  accepted), nested at most :data:`MAX_DEPTH` deep — checked by a flat bracket scan,
  so ``json.loads`` never recurses into hostile input;
- a key may appear once (json would keep the last: a second
  ``"current_medications": []`` would silently drop a Bactrim listed first);
- numbers are bounded in digits and finite (``NaN``/``Infinity`` are not JSON);
- strings, lists and the number of values are bounded.

Every refusal is a :class:`DoseInputError` naming the field. The streaming
readers (:func:`iter_records`) never hold more than one record in memory, and
split JSON lines on ``\\n`` only, so a U+2028 or a lone CR inside a JSON string
does not cut a record in two.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Generator, Iterator, Mapping
from typing import BinaryIO, NoReturn, Protocol

import attrs

from dosing.units import DoseInputError

# Limits. A real request is about 1 KB and 4 levels deep; these leave a wide margin
# and still bound memory and time per line.
MAX_REQUEST_BYTES = 1 << 20          # bytes per request / per JSON line (1 MiB)
MAX_DEPTH = 10                       # nesting of [ and { in one request
MAX_LIST = 200                       # entries in any list (medications, conditions)
MAX_STRING = 500                     # characters in any string value or key
MAX_VALUES = 5_000                   # values of any kind in one request
MAX_NUMBER_DIGITS = 30               # digits of a JSON number (Python refuses >4300 only after the work)
# JSON lines: stop reading after this many unreadable lines in a row (not UTF-8,
# not JSON, too long). A day's orders with a few broken lines are still read to
# the end; /dev/urandom or a binary file given by mistake ends promptly.
MAX_UNREADABLE_RUN = 1_000
# A single "line" longer than this (no newline at all, e.g. /dev/zero) ends the run.
MAX_SKIP_BYTES = 64 << 20

REQUEST_FIELDS = ("order", "patient", "current_medications", "medications_complete")
REQUIRED_FIELDS = ("order", "patient")
_CHUNK = 1 << 16


@attrs.frozen
class Request:
    """One dmdose request, read strictly. ``order``/``patient`` stay mappings: :func:`dosing.verify` reads them."""

    order: Mapping[str, object]
    patient: Mapping[str, object]
    current_medications: tuple[str, ...] = ()
    medications_complete: bool = False


class InputStopped(Exception):
    """The input cannot be read any further (binary data, an unclosed array); the reason says where."""


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- reading one request ---------------------------------------------------------------


def read_request(data: object) -> Request:
    """A :class:`Request` from a decoded JSON value, or a DoseInputError naming the field."""
    if not isinstance(data, Mapping):
        raise DoseInputError("request", f"expected a JSON object with fields {list(REQUEST_FIELDS)}, got {_json_type(data)}")
    unknown = sorted(set(data) - set(REQUEST_FIELDS))
    if unknown:
        raise DoseInputError("request", f"unknown field(s) {_short(unknown, 200)}; allowed: {list(REQUEST_FIELDS)}")
    missing = [name for name in REQUIRED_FIELDS if name not in data]
    if missing:
        raise DoseInputError("request", f"missing field(s) {missing}")
    _check_bounds(data, "request", depth=0, budget=[MAX_VALUES])
    for name in REQUIRED_FIELDS:
        if not isinstance(data[name], Mapping):
            raise DoseInputError(name, f"expected a JSON object of fields, got {_json_type(data[name])}")
    return Request(
        order=data["order"],
        patient=data["patient"],
        current_medications=_medications(data.get("current_medications", [])),
        medications_complete=_flag(data.get("medications_complete", False), "medications_complete"),
    )


def _medications(value: object) -> tuple[str, ...]:
    # A mapping such as {"Bactrim": false} would be read by its keys (and the false
    # ignored): refuse every shape but a list of names, as for conditions.
    if not isinstance(value, list):
        raise DoseInputError("current_medications", f"expected a JSON list of drug names, got {_json_type(value)}")
    names = []
    for index, name in enumerate(value):
        if not isinstance(name, str):
            raise DoseInputError("current_medications", f"entry {index + 1} must be a drug name (a string), got {_json_type(name)} {_short(name)}")
        if not name.strip():
            raise DoseInputError("current_medications", f"entry {index + 1} is empty; give a drug name")
        names.append(name)
    return tuple(names)


def _flag(value: object, parameter: str) -> bool:
    # "true" or 1 might be a template's placeholder; only JSON true/false says it.
    if not isinstance(value, bool):
        raise DoseInputError(parameter, f"expected JSON true or false, got {_json_type(value)} {_short(value)}")
    return value


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number", type(None): "null"}
    for cls, name in names.items():
        if isinstance(value, cls) and not (cls is int and isinstance(value, bool)):
            return name
    return type(value).__name__


def _check_bounds(value: object, where: str, depth: int, budget: list[int]) -> None:
    """Every string, list and the nesting of a decoded request within the limits; names the field."""
    budget[0] -= 1
    if budget[0] < 0:
        raise DoseInputError(_field(where), f"the request has more than {MAX_VALUES} values")
    if depth > MAX_DEPTH:
        raise DoseInputError(_field(where), f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise DoseInputError(_field(where), f"{len(value)} characters ({where}); at most {MAX_STRING}")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if len(key) > MAX_STRING:
                raise DoseInputError(_field(where), f"a field name of {len(key)} characters; at most {MAX_STRING}")
            _check_bounds(item, f"{where}.{key}", depth + 1, budget)
    elif isinstance(value, list):
        if len(value) > MAX_LIST:
            raise DoseInputError(_field(where), f"{len(value)} entries ({where}); at most {MAX_LIST}")
        for index, item in enumerate(value):
            _check_bounds(item, f"{where}[{index}]", depth + 1, budget)


def _field(where: str) -> str:
    """The field a path names: 'request.order.dose' → 'dose', 'request.current_medications[3]' → 'current_medications'."""
    leaf = where.rsplit(".", 1)[-1]
    return leaf.split("[", 1)[0] or "request"


# --- decoding JSON text, bounded --------------------------------------------------------

# One JSON string (escapes included), or one bracket. Unrolled so it never backtracks.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)


def nesting_depth(text: str) -> int:
    """How deep [ and { nest in ``text``, brackets inside strings ignored; no recursion."""
    depth = deepest = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise DoseInputError("request", f"repeated field {_short(key)}: each field may appear once")
        result[key] = value
    return result


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise DoseInputError("request", f"a number of {len(text)} digits; at most {MAX_NUMBER_DIGITS}")
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > MAX_NUMBER_DIGITS + 10:
        raise DoseInputError("request", f"a number of {len(text)} characters; at most {MAX_NUMBER_DIGITS}")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise DoseInputError("request", f"the number {text} is too large")
    return value


def _no_constant(name: str) -> NoReturn:
    raise DoseInputError("request", f"{name} is not a number in JSON; dmdose takes quantities as text with their unit")


def loads(text: str, *, extra_depth: int = 0) -> object:
    """``text`` as JSON: depth, size and numbers bounded, repeated keys refused."""
    if len(text) > MAX_REQUEST_BYTES:  # characters ≤ bytes, so this never refuses what the byte limit allows
        raise DoseInputError("request", f"{len(text)} characters; a request may be at most {MAX_REQUEST_BYTES} bytes")
    depth = nesting_depth(text)
    if depth + extra_depth > MAX_DEPTH:
        raise DoseInputError("request", f"JSON nested {depth + extra_depth} levels deep; at most {MAX_DEPTH}")
    try:
        return json.loads(
            text, object_pairs_hook=_unique_keys, parse_int=_bounded_int, parse_float=_bounded_float, parse_constant=_no_constant
        )
    except json.JSONDecodeError as exc:
        raise DoseInputError("request", f"not valid JSON: {exc}") from None
    except RecursionError:  # the depth scan should make this unreachable; never a crash
        raise DoseInputError("request", f"JSON nested too deep; at most {MAX_DEPTH}") from None


def decode(raw: bytes) -> str:
    """UTF-8 bytes of one request as text (a leading byte-order mark dropped), size bounded."""
    if len(raw) > MAX_REQUEST_BYTES:
        raise DoseInputError("request", f"{len(raw)} bytes; a request may be at most {MAX_REQUEST_BYTES} bytes (1 MiB)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DoseInputError("request", f"not UTF-8 text (byte {exc.start + 1}: {raw[exc.start:exc.start + 1]!r})") from None
    return text.removeprefix("\ufeff")


def parse_request(raw: bytes | str) -> Request:
    """One request from its bytes or text (an HTTP body, one JSON line)."""
    text = decode(raw) if isinstance(raw, bytes) else raw.removeprefix("\ufeff")
    return read_request(loads(text))


# --- streaming records from a file ------------------------------------------------------


@attrs.frozen
class Record:
    """One request as read from the input: its number (line, or array element), the JSON value or why it is unreadable."""

    number: int
    value: object = None
    error: DoseInputError | None = None
    # Counted towards the stop after MAX_UNREADABLE_RUN unreadable lines in a row.
    unreadable: bool = False


def iter_records(stream: BinaryIO) -> Iterator[Record]:
    """Records from a binary stream: one JSON object, a JSON array of objects, or JSON lines.

    JSON lines are numbered by line; array elements by position. A record that
    cannot be read is yielded with its error and reading goes on. Raises
    :class:`InputStopped` when the rest of the input cannot be read at all, and
    DoseInputError when there are no orders.
    """
    reader = LineReader(stream)
    first = reader.next_nonblank()
    if first is None:
        raise DoseInputError("file", "no orders: the input is empty")
    number, raw = first
    if raw is not None:
        raw = raw.removeprefix(b"\xef\xbb\xbf")
    if raw is not None and raw.lstrip()[:1] == b"[":
        yield from _array_records(raw, stream)
        return
    yield from _lines_or_document(reader, number, raw)


class LineSource(Protocol):
    """What a :class:`LineReader` reads: a binary file, or anything with its ``readline`` (a byte range of a file)."""

    def readline(self, size: int = -1, /) -> bytes: ...


class LineReader:
    """Lines split on b'\\n' only (CRLF accepted), each at most MAX_REQUEST_BYTES; never the whole input.

    ``number`` is the number of the last line read (0 before the first); set it before reading to
    number the lines of a part of a file as the file's own (dosing.distributed reads byte ranges so).
    """

    def __init__(self, stream: LineSource) -> None:
        self.stream = stream
        self.number = 0
        self.bytes_read = 0
        self.stop: str | None = None

    def next_line(self) -> tuple[int, bytes | None] | None:
        """(number, bytes) of the next line; bytes None when the line is too long (skipped)."""
        if self.stop:
            raise InputStopped(self.stop)
        line = self.stream.readline(MAX_REQUEST_BYTES + 2)
        if not line:
            return None
        self.number += 1
        self.bytes_read += len(line)
        if len(line) > MAX_REQUEST_BYTES + 1 or (len(line) == MAX_REQUEST_BYTES + 2 and not line.endswith(b"\n")):
            if not line.endswith(b"\n"):
                self._skip_rest()
            return self.number, None
        return self.number, line.rstrip(b"\n").removesuffix(b"\r")

    def _skip_rest(self) -> None:
        skipped = 0
        while True:
            part = self.stream.readline(_CHUNK)
            self.bytes_read += len(part)
            skipped += len(part)
            if not part or part.endswith(b"\n"):
                return
            if skipped > MAX_SKIP_BYTES:
                # Reported as a too-long line first; the next read stops the run.
                self.stop = f"line {self.number} is over {MAX_SKIP_BYTES >> 20} MiB with no line break; the rest of the input was not read"
                return

    def next_nonblank(self) -> tuple[int, bytes | None] | None:
        while (item := self.next_line()) is not None:
            if item[1] is None or item[1].strip():
                return item
        return None


def _too_long(number: int) -> Record:
    return Record(number, error=DoseInputError("request", f"line longer than {MAX_REQUEST_BYTES} bytes (1 MiB); not read"), unreadable=True)


def line_record(number: int, raw: bytes | None) -> Record:
    """The record of JSON line ``number``: its value, or why it is refused; ``raw`` None is a line too long to read."""
    if raw is None:
        return _too_long(number)
    try:
        return Record(number, loads(decode(raw)))
    except DoseInputError as exc:
        # A line with repeated keys or a long number is readable JSON, just refused.
        unreadable = exc.problem.startswith(("not UTF-8", "not valid JSON"))
        return Record(number, error=exc, unreadable=unreadable)


_JSON_SPACE = " \t\r\n"


def is_incomplete_json(text: str) -> bool:
    """Is ``text`` the start of a JSON object or array (its error is at the very end), not broken JSON?"""
    # JSON's own whitespace only: str.strip() also strips separators such as U+001E,
    # which would make a line of them look like the start of a document and swallow
    # the lines after it into one record.
    if not text.strip(_JSON_SPACE).startswith(("{", "[")):
        return False
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc.pos >= len(text.rstrip(_JSON_SPACE))
    except (ValueError, RecursionError):
        return False
    return False


def _lines_or_document(reader: LineReader, number: int, raw: bytes | None) -> Iterator[Record]:
    """JSON lines; or, when the first line is only the start of a JSON object, one object over several lines."""
    if raw is not None:
        try:
            text = decode(raw)
        except DoseInputError:
            text = None
        if text is not None and is_incomplete_json(text):
            document = yield from _document(reader, number, raw)
            if document:
                yield from _json_lines(reader)
                return
            return
    yield line_record(number, raw)
    yield from _json_lines(reader)


def _document(reader: LineReader, number: int, first: bytes) -> Generator[Record, None, bool]:
    """A pretty-printed object starting at line ``number``. If it turns out to be broken, each of its lines is
    reported on its own (as JSON lines), so no line goes unreported. Returns whether to go on reading lines."""
    lines = [(number, first)]
    size = len(first)
    while True:
        item = reader.next_line()
        if item is None:
            break
        line_number, line = item
        if line is None:
            break
        lines.append((line_number, line))
        size += len(line) + 1
        if size > MAX_REQUEST_BYTES:
            break
        text = b"\n".join(raw for _, raw in lines).decode("utf-8", errors="replace")
        if not is_incomplete_json(text):
            break
    joined = b"\n".join(raw for _, raw in lines)
    try:
        value = loads(decode(joined))
    except DoseInputError as exc:
        if item is None and size <= MAX_REQUEST_BYTES and exc.problem.startswith("not valid JSON") and _looks_truncated(joined):
            yield Record(number, error=DoseInputError("request", f"the JSON object starting on line {number} is not closed (truncated?)"))
            return False
        if "not valid JSON" not in exc.problem:
            # Whole and valid JSON, refused for its content (a repeated key, a long number): one record.
            yield Record(number, error=exc)
        else:
            for line_number, raw in lines:
                if raw.strip():
                    yield line_record(line_number, raw)
        if item is not None and item[1] is None:
            yield _too_long(item[0])
        return True
    yield Record(number, value)
    if item is not None and item[1] is None:
        yield _too_long(item[0])
    return True


def _looks_truncated(joined: bytes) -> bool:
    return is_incomplete_json(joined.decode("utf-8", errors="replace"))


def _json_lines(reader: LineReader) -> Iterator[Record]:
    unreadable_run = 0
    while (item := reader.next_line()) is not None:
        number, raw = item
        if raw is not None and not raw.strip():
            continue
        record = line_record(number, raw)
        yield record
        unreadable_run = unreadable_run + 1 if record.unreadable else 0
        if unreadable_run >= MAX_UNREADABLE_RUN:
            raise InputStopped(
                f"stopped after line {number}: {MAX_UNREADABLE_RUN} lines in a row were not JSON; "
                "the input does not look like dmdose JSON lines, and the rest was not read"
            )


# JSON array: the elements are cut out by a flat scan (strings skipped whole, brackets
# counted), then each is decoded on its own. A string may be cut by a chunk boundary:
# then the token does not match and more input is read.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]|[^"\[\]{},]+', re.S)


def _array_records(first: bytes, stream: BinaryIO) -> Iterator[Record]:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = [0]

    def chunks() -> Iterator[str]:
        pending = [first + b"\n"]
        while True:
            raw = pending.pop() if pending else stream.read(_CHUNK)
            final = not raw
            try:
                text = decoder.decode(raw, final=final)
            except UnicodeDecodeError as exc:
                raise InputStopped(f"the JSON array is not UTF-8 text near byte {offset[0] + exc.start + 1}; the rest was not read") from None
            offset[0] += len(raw)
            if text:
                yield text
            if final:
                return

    yield from _split_array(chunks())


def _split_array(chunks: Iterator[str]) -> Iterator[Record]:
    buffer, pos = "", 0
    depth = element = deepest = 0
    start = 0                         # where the current element starts in the buffer (set when one starts)
    in_element = too_long = closed = exhausted = False
    source = iter(chunks)
    while True:
        match = _TOKEN.match(buffer, pos) if pos < len(buffer) else None
        # A token touching the end of the buffer may go on in the next chunk.
        if (match is None or match.end() == len(buffer)) and not exhausted:
            chunk = next(source, None)
            if chunk is None:
                exhausted = True
                continue
            keep = start if (in_element and not too_long) else pos
            buffer, pos = buffer[keep:] + chunk, pos - keep
            if in_element and not too_long:
                start = 0
                too_long = len(buffer) > MAX_REQUEST_BYTES
            continue
        if match is None:
            break
        token = match.group()
        pos = match.end()
        if closed:
            if token.strip():
                yield Record(element + 1, error=DoseInputError("file", "data after the closing ']' of the JSON array; not read"))
                return
            continue
        if depth == 1 and not in_element:
            if not token.strip():
                continue
            if token == ",":
                element += 1
                yield Record(element, error=DoseInputError("request", "an empty element in the JSON array (two commas in a row)"))
                continue
            if token == "]":
                if element == 0:
                    raise DoseInputError("file", "no orders: the JSON array is empty")
                if buffer[:match.start()].rstrip().endswith(","):
                    element += 1
                    yield Record(element, error=DoseInputError("request", "an empty element in the JSON array (a comma before ']')"))
                depth, closed = 0, True
                continue
            in_element, start, deepest, too_long = True, match.start(), 0, False
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth - 1)
        elif token in ("]", "}"):
            depth -= 1
            if depth <= 0:
                element += 1
                yield _element(element, buffer[start:match.start()], deepest, too_long)
                in_element, closed, depth = False, True, 0
        elif token == "," and depth == 1:
            element += 1
            yield _element(element, buffer[start:match.start()], deepest, too_long)
            in_element = False
    if not closed:
        if in_element:
            element += 1
            yield Record(element, error=DoseInputError("file", "the JSON array ends inside this element (truncated file?); not read"))
        raise InputStopped("the JSON array is not closed with ']' (truncated file?); the rest was not read")


def _element(number: int, text: str, deepest: int, too_long: bool) -> Record:
    if too_long:
        return Record(number, error=DoseInputError("request", f"array element longer than {MAX_REQUEST_BYTES} bytes (1 MiB); not read"))
    if deepest > MAX_DEPTH - 1:
        return Record(number, error=DoseInputError("request", f"JSON nested {deepest + 1} levels deep; at most {MAX_DEPTH}"))
    try:
        return Record(number, loads(text, extra_depth=1))
    except DoseInputError as exc:
        return Record(number, error=exc)


def iter_records_from_text(text: str) -> Iterator[Record]:
    """:func:`iter_records` over text (tests, small inputs)."""
    return iter_records(io.BytesIO(text.encode("utf-8")))
