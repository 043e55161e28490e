"""dosing.distributed: a dask bag of verdict records equals `dmdose verify --json` on the same file."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

dask = pytest.importorskip("dask", reason="the optional extra dmdose[distributed] (dask[bag]) is not installed")

from dosing import DoseInputError  # noqa: E402
from dosing.distributed import plan, summary, to_jsonl, verify_jsonl  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "examples" / "seed-plan.jsonl").read_bytes().splitlines()
PATIENT = {"weight": "70 kg", "height": "170 cm", "age": "50 years", "sex": "female", "serum_creatinine": "0.8 mg/dL"}

# Lines the CLI refuses one by one, each for a different reason, between good orders.
BAD_LINES = [
    b"not json at all",
    b'{"order": {"drug": "methotrexate"}',                       # unclosed object on a later line
    b"\xff\xfe binary \x00",                                    # not UTF-8
    b"[1, 2, 3]",                                               # JSON, not a request object
    b'{"order": {}, "order": {}, "patient": {}}',               # repeated key
    b'{"order": {"drug": "methotrexate", "dose": "20 mg", "frequency": "weekly", "route": "oral"}}',  # no patient
    json.dumps({"order": {"drug": "methotrexate", "dose": "-5 mg", "frequency": "weekly", "route": "oral"},
                "patient": PATIENT}).encode(),                  # a refused dose
    b"   ",                                                     # blank: skipped, still counted
    b"",
]


def messy_file(tmp_path, repeat=3, name="orders.jsonl") -> Path:
    lines = []
    for i in range(repeat):
        lines += SEED[i % len(SEED):] + BAD_LINES + SEED[: i % len(SEED)]
    path = tmp_path / name
    path.write_bytes(b"\r\n".join(lines[:5]) + b"\r\n" + b"\n".join(lines[5:]) + b"\n")
    return path


def cli_records(path: Path) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "dosing.cli", "verify", str(path), "--json"], capture_output=True, cwd=ROOT, timeout=300
    )
    assert result.returncode in (0, 1, 2, 3), result.stderr
    return [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]


def without_bag_fields(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in ("file", "category")} for r in records]


def nonblank_lines(path: Path) -> int:
    return sum(1 for line in path.read_bytes().split(b"\n") if line.strip())


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    path = messy_file(tmp_path_factory.mktemp("dist"))
    return path, cli_records(path)


def test_bag_equals_cli_json_lines_in_records_out(messy):
    path, expected = messy
    bag = verify_jsonl(str(path), partitions=5)
    assert bag.npartitions == 5
    records = bag.compute(scheduler="sync")
    assert len(records) == nonblank_lines(path) == len(expected)
    assert without_bag_fields(records) == expected
    assert {r["file"] for r in records} == {str(path)}


def test_threaded_scheduler_and_summary(messy):
    path, expected = messy
    bag = verify_jsonl(path, partitions=4)
    records = bag.compute(scheduler="threads", num_workers=2)
    assert without_bag_fields(records) == expected
    counts = summary(bag, scheduler="sync")
    assert sum(counts.values()) == len(expected)
    cli_counts = {"ok": 0, "warn": 0, "block": 0, "refused": 0, "internal": 0}
    for record in expected:
        cli_counts["refused" if "error" in record else "internal" if "internal_error" in record else record["verdict"]["status"]] += 1
    assert counts == cli_counts
    assert counts["refused"] == 3 * 7 and counts["internal"] == 0  # 7 refused lines per repeat (2 blank ones skipped)


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 40))
def test_any_partitioning_gives_the_same_records(messy, partitions):
    # Line numbers come from the file, not the partition: every split gives the CLI's records.
    path, expected = messy
    assert without_bag_fields(verify_jsonl(path, partitions=partitions).compute(scheduler="sync")) == expected


def test_glob_over_files_in_file_then_line_order(tmp_path):
    a = messy_file(tmp_path, repeat=1, name="2024-01.jsonl")
    b = tmp_path / "2024-02.jsonl"
    b.write_bytes(b"\n".join(SEED[:3]) + b"\nbroken\n")
    records = verify_jsonl(str(tmp_path / "2024-*.jsonl"), partitions=3).compute(scheduler="sync")
    assert [r["file"] for r in records] == [str(a)] * nonblank_lines(a) + [str(b)] * 4
    assert without_bag_fields([r for r in records if r["file"] == str(b)]) == cli_records(b)


def test_json_array_file_is_read_whole_like_the_cli(tmp_path):
    path = tmp_path / "orders.json"
    elements = [json.loads(line) for line in SEED[:4]]
    path.write_text("[\n" + ",\n".join(json.dumps(e, indent=2) for e in elements) + ",\n 42\n]\n")
    assert plan(path, 10) == [[plan(path, 1)[0][0]]] and plan(path, 1)[0][0].end is None
    records = verify_jsonl(path, partitions=10).compute(scheduler="sync")
    assert without_bag_fields(records) == cli_records(path)
    assert [r["category"] for r in records][-1] == "refused"


def test_unreadable_input_is_a_refused_record_not_a_crash(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n\n")
    unclosed = tmp_path / "unclosed.json"
    unclosed.write_text("[" + SEED[0].decode() + ",")
    records = verify_jsonl([empty, unclosed]).compute(scheduler="sync")
    assert [(r["file"], r["category"]) for r in records] == [(str(empty), "refused"), (str(unclosed), "warn"), (str(unclosed), "refused")]
    assert "no orders" in records[0]["error"]["problem"]
    # The complete first element is verified; then the array stops, as the CLI reports on stderr.
    assert records[1]["line"] == 1 and "not closed" in records[-1]["error"]["problem"]


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(DoseInputError) as info:
        verify_jsonl(str(tmp_path / "none-*.jsonl"))
    assert info.value.parameter == "paths"
    with pytest.raises(DoseInputError) as info:
        verify_jsonl([tmp_path / "missing.jsonl"])
    assert info.value.parameter == "paths"
    (tmp_path / "a.jsonl").write_bytes(SEED[0])
    for bad in (0, -1, 2.5, True):
        with pytest.raises(DoseInputError) as info:
            verify_jsonl(tmp_path / "a.jsonl", partitions=bad)
        assert info.value.parameter == "partitions"


def test_to_jsonl_writes_one_file_per_partition(messy, tmp_path):
    path, expected = messy
    written = to_jsonl(verify_jsonl(path, partitions=3), str(tmp_path / "out" / "verdicts-*.jsonl"), scheduler="sync")
    assert len(written) == 3
    lines = [json.loads(line) for name in sorted(written) for line in Path(name).read_text().splitlines()]
    assert without_bag_fields(lines) == expected


def test_local_cluster_with_two_worker_processes(messy):
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install distributed)")
    path, expected = messy
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        bag = verify_jsonl(path, partitions=4)
        records = client.compute(bag).result()
        counts = summary(bag)
    assert without_bag_fields(records) == expected
    assert sum(counts.values()) == len(expected)
