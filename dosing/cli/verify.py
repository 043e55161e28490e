"""``dmdose verify``: orders from a JSON / JSON-lines file, a verdict each — isolated, streamed, in input order.

Each order stands alone: one that is refused (bad input, exit 3) or that hits a bug
(internal error, exit 4, with the exception type) is reported with its line number,
and the run goes on. The exit code is the worst of all orders; every order read is
reported, and a summary line on stderr counts them. The input is read one record at
a time (see :mod:`dosing.input.request`), so memory stays flat however long the file.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple, Protocol

from dosing.api import verify
from dosing.cli.common import EXIT_BAD_INPUT, EXIT_INTERNAL_ERROR, ascii_json, error_record
from dosing.input.request import InputStopped, Record, iter_records, read_request
from dosing.units import DoseInputError, fmt
from dosing.verdict import MedicationEntry, Verdict

if TYPE_CHECKING:
    from concurrent.futures import Future

    from dosing.findings import Finding

CATEGORIES = ("ok", "warn", "block", "refused", "internal")
_CATEGORY_CODE = {"ok": 0, "warn": 1, "block": 2, "refused": EXIT_BAD_INPUT, "internal": EXIT_INTERNAL_ERROR}
# --jobs: records per task sent to a worker, and tasks in flight per worker (bounds memory).
CHUNK = 32
WINDOW_PER_JOB = 4
# The progress bar appears only on a terminal, and only once a run has lasted this long.
PROGRESS_DELAY_S = 2.0


class Options(NamedTuple):
    json: bool
    many: bool
    ascii: bool


class Outcome(NamedTuple):
    """One order's result, already formatted: the parent process only prints it."""

    number: int
    category: str
    out: str
    err: str | None


# --- one order -----------------------------------------------------------------------------


def _finding_lines(findings: Iterable[Finding]) -> list[str]:
    lines = []
    for finding in findings:
        lines.append(f"  [{finding.severity.value}] {finding.rule_id}")
        lines.append(f"      {finding.message}")
        lines.append(f"      source: {finding.reference}")
    return lines


def _medication_line(entry: MedicationEntry) -> str:
    if entry.resolved:
        return f"  {entry.written} -> {entry.canonical}"
    return f"  {entry.written} -> NOT RECOGNISED ({entry.problem})" if entry.problem else f"  {entry.written} -> NOT RECOGNISED"


def report(verdict: Verdict) -> str:
    """The verdict as a pharmacist reads it."""
    lines = [
        f"ORDER        {verdict.ordered}",
        f"DRUG         {verdict.drug}",
        f"STATUS       {verdict.status.value.upper()}",
        f"RECOMMENDED  {verdict.recommended}",
    ]
    if verdict.recommended_dose is not None:
        lines.append(f"             per administration: {fmt(verdict.recommended_dose)}")
    if verdict.details:
        lines.append("CALCULATION")
        lines += [f"  {key}: {value}" for key, value in verdict.details]
    lines.append("FINDINGS" if verdict.findings else "FINDINGS     none")
    lines += _finding_lines(verdict.findings)
    if verdict.regimen_alerts:
        # Problems among the current medications alone: shown with the order, never blocking it.
        lines.append("REGIMEN ALERTS (current medications; they do not block this order)")
        lines += _finding_lines(verdict.regimen_alerts)
    if verdict.medications:
        lines.append("MEDICATIONS  as written -> as read")
        lines += [_medication_line(entry) for entry in verdict.medications]
    if verdict.unused_conditions:
        lines.append(f"NOT USED     {', '.join(verdict.unused_conditions)} (no rule reads these problem-list entries)")
    if verdict.dmdose_version or verdict.knowledge_hash:
        lines.append(f"DMDOSE       {verdict.dmdose_version or 'unknown version'} (knowledge {verdict.knowledge_hash[:19] or 'unknown'})")
    return "\n".join(lines)


def _verify_value(value: object) -> Verdict:
    request = read_request(value)
    return verify(request.order, request.patient, request.current_medications, medications_complete=request.medications_complete)


def outcome_of(number: int, value: object, error: tuple[str, str] | None, options: Options) -> Outcome:
    """Verify one record and format its result; never raises (a bug becomes an 'internal' outcome)."""
    try:
        if error is not None:
            raise DoseInputError(*error)
        verdict = _verify_value(value)
    except DoseInputError as exc:
        return _refused(number, exc, options)
    except Exception as exc:  # noqa: BLE001 — one order's bug must not stop the others
        return _internal(number, exc, options)
    try:
        return _verdict_outcome(number, verdict, options)
    except Exception as exc:  # noqa: BLE001 — a verdict that cannot be printed is not a result
        return _internal(number, exc, options)


def _dumps(data: object, options: Options, **kwargs: Any) -> str:
    return json.dumps(data, ensure_ascii=options.ascii, **kwargs)


def _verdict_outcome(number: int, verdict: Verdict, options: Options) -> Outcome:
    category = verdict.status.value
    if options.json:
        out = _dumps({"line": number, "verdict": verdict.to_dict()}, options) if options.many else _dumps(verdict.to_dict(), options, indent=2)
    else:
        out = (f"--- order {number}\n" if options.many else "") + report(verdict)
    return Outcome(number, category, out, None)


def _refused(number: int, exc: DoseInputError, options: Options) -> Outcome:
    if options.json:
        data = {"error": error_record(exc)}
        out = _dumps({"line": number, **data} if options.many else data, options)
    else:
        # The report lists every order, the refused ones too.
        out = (f"--- order {number}\n" if options.many else "") + f"BAD INPUT    {exc}"
    return Outcome(number, "refused", out, f"dmdose: order {number}: bad input: {exc}")


def _internal(number: int, exc: BaseException, options: Options) -> Outcome:
    kind, message = type(exc).__name__, str(exc)[:500]
    if options.json:
        data = {"internal_error": {"type": kind, "message": message}}
        out = _dumps({"line": number, **data} if options.many else data, options)
    else:
        out = (f"--- order {number}\n" if options.many else "") + f"INTERNAL ERROR  {kind}: {message} (this order was NOT verified)"
    return Outcome(number, "internal", out, f"dmdose: order {number}: internal error, not verified: {kind}: {message}")


# --- many orders -------------------------------------------------------------------------------

_Item = tuple[int, object, "tuple[str, str] | None"]


def _item(record: Record) -> _Item:
    # A DoseInputError does not pickle (its __init__ takes two arguments): send its parts.
    error = None if record.error is None else (record.error.parameter, record.error.problem)
    return record.number, record.value, error


def verify_items(items: Iterable[_Item], options: Options) -> list[Outcome]:
    """A worker's task: a chunk of records, verified one by one."""
    return [outcome_of(number, value, error, options) for number, value, error in items]


def _chunks(items: Iterator[_Item], size: int) -> Iterator[list[_Item]]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _run_serial(items: Iterator[_Item], options: Options) -> Iterator[Outcome]:
    for number, value, error in items:
        yield outcome_of(number, value, error, options)


def _run_parallel(items: Iterator[_Item], options: Options, jobs: int) -> Iterator[Outcome]:
    """Chunks over ``jobs`` processes, results in input order, at most jobs × WINDOW_PER_JOB chunks in flight."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=jobs)
    window: deque[tuple[list[_Item], Future[list[Outcome]]]] = deque()
    try:
        for chunk in _chunks(items, CHUNK):
            window.append((chunk, pool.submit(verify_items, chunk, options)))
            while len(window) >= jobs * WINDOW_PER_JOB:
                yield from _collect(*window.popleft(), options, BrokenProcessPool)
        while window:
            yield from _collect(*window.popleft(), options, BrokenProcessPool)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _collect(chunk: list[_Item], future: Future[list[Outcome]], options: Options, broken: type[Exception]) -> Iterator[Outcome]:
    try:
        yield from future.result()
    except broken as exc:
        # A worker died (killed, out of memory): its orders were not verified; say which.
        for number, _, _ in chunk:
            yield _internal(number, exc, options)


# --- the command -------------------------------------------------------------------------------


class _Counting:
    """A binary stream that counts the bytes read, for the progress bar."""

    def __init__(self, stream: BinaryIO):
        self.stream, self.count = stream, 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.count += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self.stream.readline(size)
        self.count += len(data)
        return data


def _open(path: str) -> tuple[BinaryIO, int | None]:
    if path == "-":
        return sys.stdin.buffer, None
    try:
        handle = open(path, "rb")  # noqa: SIM115 — closed by cmd_verify
    except OSError as exc:
        raise DoseInputError("file", f"cannot read {path}: {exc.strerror}") from None
    try:
        size = os.fstat(handle.fileno()).st_size or None
    except OSError:
        size = None
    return handle, size


class _Progress:
    """A progress bar on stderr, only on a terminal and only for a long run (tqdm, if installed)."""

    def __init__(self, stream: _Counting, size: int | None):
        self.stream, self.bar = stream, None
        if not sys.stderr.isatty():
            return
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self.bar = tqdm(total=size, unit="B", unit_scale=True, delay=PROGRESS_DELAY_S, file=sys.stderr, desc="dmdose verify", leave=False)

    def update(self) -> None:
        if self.bar is not None:
            self.bar.update(self.stream.count - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class _ByteSource(Protocol):
    """What the input reader uses of a binary stream (a file, or a _Counting around one)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def readline(self, size: int = -1, /) -> bytes: ...


class _Reading:
    """Records of the input; remembers why reading stopped early, if it did."""

    def __init__(self, stream: _ByteSource):
        # iter_records is typed for a file but reads only read/readline, which _Counting has.
        self.records = iter_records(stream)  # type: ignore[arg-type]
        self.stopped: str | None = None
        self.crashed: str | None = None

    def __iter__(self) -> Iterator[Record]:
        try:
            yield from self.records
        except InputStopped as exc:
            self.stopped = str(exc)
        except DoseInputError:
            raise
        except Exception as exc:  # noqa: BLE001 — a reader bug: report it, keep what was verified
            self.crashed = f"{type(exc).__name__}: {str(exc)[:500]}"


def summary(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    return (
        f"{total} order{'s' if total != 1 else ''}: {counts['ok']} ok, {counts['warn']} warn, {counts['block']} block, "
        f"{counts['refused']} refused, {counts['internal']} internal error{'s' if counts['internal'] != 1 else ''}"
    )


def cmd_verify(args: argparse.Namespace) -> int:
    handle, size = _open(args.file)
    stream = _Counting(handle)
    try:
        return _verify_stream(stream, size, args)
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def _verify_stream(stream: _Counting, size: int | None, args: argparse.Namespace) -> int:
    reading = _Reading(stream)
    records = iter(reading)
    # One record ahead: a single order prints as before (no line numbers), several get them.
    head = list(itertools.islice(records, 2))
    options = Options(json=args.json, many=len(head) > 1, ascii=ascii_json())
    items = (_item(record) for source in (head, records) for record in source)
    jobs = max(1, getattr(args, "jobs", 1) or 1)
    outcomes = _run_parallel(items, options, jobs) if jobs > 1 else _run_serial(items, options)
    counts = dict.fromkeys(CATEGORIES, 0)
    progress = _Progress(stream, size)
    started = time.monotonic()
    try:
        for outcome in outcomes:
            counts[outcome.category] += 1
            print(outcome.out)
            if outcome.err:
                print(outcome.err, file=sys.stderr)
            progress.update()
    finally:
        progress.close()
    worst = max((_CATEGORY_CODE[c] for c, n in counts.items() if n), default=0)
    if reading.stopped:
        print(f"dmdose: bad input: {reading.stopped}", file=sys.stderr)
        worst = max(worst, EXIT_BAD_INPUT)
    if reading.crashed:
        print(f"dmdose: internal error while reading the input, the rest was not read: {reading.crashed}", file=sys.stderr)
        worst = EXIT_INTERNAL_ERROR
    if not any(counts.values()) and not (reading.stopped or reading.crashed):
        raise DoseInputError("file", "no orders in the input")
    elapsed = time.monotonic() - started
    rate = f" in {elapsed:.1f} s" if elapsed >= PROGRESS_DELAY_S else ""
    print(f"dmdose: {summary(counts)}{rate}", file=sys.stderr)
    return worst
