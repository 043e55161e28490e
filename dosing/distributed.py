"""Verify JSON-lines files on a Dask cluster: one verdict record per order, as ``dmdose verify --json``.

For the health system that outgrows one machine (years of historical orders to
audit). Needs the optional extra ``pip install 'dmdose[distributed]'`` (dask[bag];
add ``distributed`` for a multi-machine cluster). See docs/batch-and-distributed.md.

Guarantees, the same as the CLI's:

* each order stands alone: a line that is not JSON, not UTF-8, too long, or a
  request that is refused, is a ``refused`` record with its line number; a bug in
  one order is an ``internal`` record; neither stops the partition or the run;
* the record of a line is the CLI's ``--json`` line for it (``{"line": n,
  "verdict": ...}``, ``{"line": n, "error": ...}`` or ``{"line": n,
  "internal_error": ...}``), produced by the CLI's own per-order function, plus
  ``"file"`` and ``"category"`` (ok / warn / block / refused / internal);
* line numbers are the file's own (1-based, blank lines counted and skipped), whatever
  the partitioning; records come in file order, then line order;
* every non-blank line gives exactly one record (lines in = records out).

One difference from the CLI: the CLI gives up on an input after 1,000 unreadable
lines in a row (a binary file given by mistake); here every line is reported.

Files are split on line boundaries into byte ranges (a first, cheap pass counts the
newlines of each range, so a partition knows its first line number). A file whose
first line opens a JSON array or a multi-line JSON object is read whole, by the CLI's
reader, in one partition. The paths must be readable by the workers (a shared
filesystem).
"""

from __future__ import annotations

import glob
import json
import math
import operator
import os
from collections.abc import Iterable
from types import ModuleType
from typing import TYPE_CHECKING, Any, BinaryIO, TypeAlias

import attrs

from dosing.cli.verify import CATEGORIES, Options, outcome_of
from dosing.input.request import InputStopped, LineReader, decode, is_incomplete_json, iter_records, line_record
from dosing.units import DoseInputError

if TYPE_CHECKING:
    from dask.bag import Bag
    from dask.delayed import Delayed

# What verify_jsonl and plan take: one path or glob pattern, or several paths.
PathsOrGlob: TypeAlias = "str | os.PathLike[str] | Iterable[str | os.PathLike[str]]"

# Without ``partitions``: one partition per 16 MiB of input (about 15,000 orders of ~1 KB,
# a few minutes of one core), so a partition is worth shipping and small enough to retry.
DEFAULT_PARTITION_BYTES = 16 << 20
_CHUNK = 1 << 20
# The CLI's --json output for several orders; ascii is a terminal concern, records are text.
_OPTIONS = Options(json=True, many=True, ascii=False)


@attrs.frozen
class Block:
    """Bytes [start, end) of a JSON-lines file, starting and ending on line boundaries; end None = the whole file."""

    path: str
    start: int = 0
    end: int | None = None


# --- records ---------------------------------------------------------------------------------


def _record(path: str, number: int, value: object, error: DoseInputError | None) -> dict[str, object]:
    """The CLI's --json record for one order (its own function: same isolation, same output), with file and category."""
    parts = None if error is None else (error.parameter, error.problem)
    outcome = outcome_of(number, value, parts, _OPTIONS)
    return {"file": path, **json.loads(outcome.out), "category": outcome.category}


def _file_record(path: str, number: int | None, parameter: str, problem: str) -> dict[str, object]:
    # The input could not be read further (a broken array, a 64 MiB line): refused, never silent.
    return {"file": path, "line": number, "error": {"parameter": parameter, "problem": problem}, "category": "refused"}


def _internal_record(path: str, number: int | None, exc: BaseException) -> dict[str, object]:
    return {
        "file": path, "line": number,
        "internal_error": {"type": type(exc).__name__, "message": str(exc)[:500]},
        "category": "internal",
    }


# --- reading a block ------------------------------------------------------------------------


class _Slice:
    """A binary stream that ends after ``size`` bytes: a block read by the CLI's line reader."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self.stream, self.left = stream, size

    def readline(self, size: int = -1) -> bytes:
        limit = self.left if size < 0 else min(size, self.left)
        data = self.stream.readline(limit) if limit > 0 else b""
        self.left -= len(data)
        return data

    def read(self, size: int = -1) -> bytes:
        limit = self.left if size < 0 else min(size, self.left)
        data = self.stream.read(limit) if limit > 0 else b""
        self.left -= len(data)
        return data


def _length(block: Block) -> int:
    if block.end is None:
        # As the subtraction with None did: a whole-file block is read by verify_file, not by byte range.
        raise TypeError(f"{block.path}: a whole-file Block has no byte range; read it with verify_file")
    return block.end - block.start


def count_newlines(block: Block) -> int:
    """Newlines in the block: the lines before the next block."""
    count = 0
    with open(block.path, "rb") as handle:
        handle.seek(block.start)
        stream = _Slice(handle, _length(block))
        while chunk := stream.read(_CHUNK):
            count += chunk.count(b"\n")
    return count


def verify_block(block: Block, lines_before: int) -> list[dict[str, object]]:
    """One record per non-blank line of a JSON-lines block; never raises."""
    records: list[dict[str, object]] = []
    number = lines_before
    try:
        with open(block.path, "rb") as handle:
            handle.seek(block.start)
            reader = LineReader(_Slice(handle, _length(block)))
            reader.number = lines_before
            while (item := reader.next_line()) is not None:
                number, raw = item
                if raw is not None and not raw.strip():
                    continue
                record = line_record(number, raw)
                records.append(_record(block.path, record.number, record.value, record.error))
    except InputStopped as exc:
        records.append(_file_record(block.path, number, "request", str(exc)))
    except OSError as exc:
        records.append(_file_record(block.path, None, "file", f"cannot read {block.path}: {exc.strerror}"))
    except Exception as exc:  # noqa: BLE001 - a reader bug must not kill the partition; the record says where
        records.append(_internal_record(block.path, number + 1, exc))
    return records


def verify_file(path: str) -> list[dict[str, object]]:
    """A whole file (a JSON array, one object over several lines) by the CLI's reader; never raises."""
    records: list[dict[str, object]] = []
    try:
        with open(path, "rb") as handle:
            for record in iter_records(handle):
                records.append(_record(path, record.number, record.value, record.error))
    except InputStopped as exc:
        records.append(_file_record(path, None, "file", str(exc)))
    except DoseInputError as exc:
        records.append(_file_record(path, None, exc.parameter, exc.problem))
    except OSError as exc:
        records.append(_file_record(path, None, "file", f"cannot read {path}: {exc.strerror}"))
    except Exception as exc:  # noqa: BLE001 - as verify_block
        records.append(_internal_record(path, None, exc))
    return records


# --- planning the partitions (on the client) -----------------------------------------------------


def _paths(paths_or_glob: PathsOrGlob) -> list[str]:
    if isinstance(paths_or_glob, (str, os.PathLike)):
        pattern = os.fspath(paths_or_glob)
        paths = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
    elif isinstance(paths_or_glob, Iterable):
        paths = [os.fspath(p) for p in paths_or_glob]
    else:
        raise DoseInputError("paths", f"expected a path, a glob pattern or a list of paths, got {type(paths_or_glob).__name__}")
    if not paths:
        raise DoseInputError("paths", f"no file matches {paths_or_glob!r}")
    for path in paths:
        if not os.path.isfile(path):
            raise DoseInputError("paths", f"cannot read {path}: not a file")
    return paths


def _read_whole(path: str) -> bool:
    """Does the CLI read this file as one document (a JSON array, or an object over several lines)?"""
    with open(path, "rb") as handle:
        reader = LineReader(handle)
        first = reader.next_nonblank()
    if first is None or first[1] is None:
        return first is None  # an empty file: the CLI's own refusal ("no orders")
    raw = first[1].removeprefix(b"\xef\xbb\xbf")
    if raw.lstrip()[:1] == b"[":
        return True
    try:
        return is_incomplete_json(decode(raw))
    except DoseInputError:
        return False


def _next_line_start(handle: BinaryIO, target: int) -> int:
    """The first line start at or after ``target``."""
    handle.seek(target - 1)
    position = target - 1
    while chunk := handle.read(_CHUNK):
        found = chunk.find(b"\n")
        if found >= 0:
            return position + found + 1
        position += len(chunk)
    return position


def _blocks(path: str, size: int, block_bytes: int) -> list[Block]:
    count = max(1, math.ceil(size / block_bytes))
    starts = [0]
    with open(path, "rb") as handle:
        for i in range(1, count):
            start = _next_line_start(handle, i * size // count)
            if starts[-1] < start < size:
                starts.append(start)
    ends = starts[1:] + [size]
    return [Block(path, s, e) for s, e in zip(starts, ends)]


def plan(paths_or_glob: PathsOrGlob, partitions: int | None = None) -> list[list[Block]]:
    """The blocks of each file: about ``partitions`` in all (at least one per file)."""
    paths = _paths(paths_or_glob)
    sizes = {path: os.path.getsize(path) for path in paths}
    total = sum(sizes.values())
    if partitions is None:
        partitions = max(1, math.ceil(total / DEFAULT_PARTITION_BYTES))
    if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
        raise DoseInputError("partitions", f"expected a whole number ≥ 1, got {partitions!r}")
    # Boundaries move forward to the next line start, so a line longer than a block stays whole.
    block_bytes = max(1, math.ceil(total / partitions))
    return [[Block(path)] if _read_whole(path) else _blocks(path, sizes[path], block_bytes) for path in paths]


# --- the bag ---------------------------------------------------------------------------------


def _dask() -> tuple[ModuleType, ModuleType]:
    try:
        import dask
        import dask.bag
    except ImportError as exc:  # pragma: no cover - the extra is installed for the tests
        raise ImportError("dosing.distributed needs Dask: pip install 'dmdose[distributed]'") from exc
    return dask, dask.bag


def verify_jsonl(paths_or_glob: PathsOrGlob, *, partitions: int | None = None) -> Bag:
    """A dask Bag of verdict records, one per non-blank line, in file and line order.

    ``paths_or_glob``: a path, a glob pattern ("orders/2024-*.jsonl") or a list of paths.
    ``partitions``: about how many partitions in all (default: one per 16 MiB); a file is
    split only on line boundaries, and a JSON-array file is one partition.
    """
    dask, bag = _dask()
    parts: list[Delayed] = []
    for blocks in plan(paths_or_glob, partitions):
        if blocks[0].end is None:
            parts.append(dask.delayed(verify_file)(blocks[0].path))
            continue
        before: int | Delayed = 0
        for index, block in enumerate(blocks):
            parts.append(dask.delayed(verify_block)(block, before))
            if index + 1 < len(blocks):
                before = dask.delayed(operator.add)(before, dask.delayed(count_newlines)(block))
    records: Bag = bag.from_delayed(parts)
    return records


def summary(records: Bag, **compute: Any) -> dict[str, int]:
    """Counts of ok / warn / block / refused / internal in a bag of records (computed; ``compute`` goes to dask)."""
    counts = dict.fromkeys(CATEGORIES, 0)
    # dask's Bag methods have no annotations, which strict mypy refuses to call from typed code.
    counts.update(dict(records.pluck("category").frequencies().compute(**compute)))  # type: ignore[no-untyped-call]
    return counts


def to_jsonl(records: Bag, pattern: str, **compute: Any) -> list[str]:
    """Write the records as JSON lines, one file per partition ("out/verdicts-*.jsonl"); the written paths."""
    # As in summary: Bag.map has no annotations.
    lines = records.map(lambda r: json.dumps(r, ensure_ascii=False))  # type: ignore[no-untyped-call]
    paths: list[str] = lines.to_textfiles(pattern, compute=True, **compute)
    return paths


__all__ = ["Block", "count_newlines", "plan", "summary", "to_jsonl", "verify_block", "verify_file", "verify_jsonl"]
