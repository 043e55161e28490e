"""Fuzz suite at a CI budget (issue 6); benchmarks/fuzz.py runs the same ideas for minutes.

- The API: random values in every field of an order, a patient and the medication
  list; only a Verdict or a DoseInputError may come out, within a time limit.
- The CLI reader: random lines and bytes; every non-blank input line is reported,
  and an internal error (exit 4) only for a real one.
"""

import contextlib
import io
import json
import signal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dosing import Verdict, verify
from dosing.cli import main
from dosing.cli import verify as cli_verify
from dosing.units import DoseInputError

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
TIME_LIMIT_S = 5  # generous for a loaded CI machine; benchmarks/fuzz.py flags 1 s

ORDER = {"drug": "methotrexate", "dose": "20 mg", "frequency": "weekly", "route": "oral"}
PATIENT = {"weight": "150 lb", "height": "5 ft 5 in", "age": "54 years", "sex": "female", "serum_creatinine": "0.8 mg/dL"}
HOSTILE = [
    "10**10**10 mg", "1" * 5000 + " mg", "9999-12-31", "1\u00ad50 lb", "2\u200b5 mg", "−20 mg", "15 mg 10 mg", "mg",
    "5 pi mg", "6 ½ tablets", "nan mg", "1e999 mg", "days 1 and ٢15", "every 365000 days", "Вactrim",
]
values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(HOSTILE),
    st.integers(),
    st.floats(),
    st.none(),
    st.booleans(),
    st.lists(st.text(max_size=10), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


class TooSlow(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    def alarm(signum, frame):
        raise TooSlow(f"over {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@SETTINGS
@given(
    part=st.sampled_from(["order", "patient"]),
    field=st.sampled_from([*ORDER, *PATIENT, "start_date", "conditions", "weight_basis", "unknown"]),
    value=values,
    meds=st.one_of(st.just([]), st.lists(st.one_of(st.text(max_size=20), st.sampled_from(HOSTILE)), max_size=3), values),
)
def test_verify_returns_a_verdict_or_refuses(part, field, value, meds):
    order, patient = dict(ORDER), dict(PATIENT)
    (order if part == "order" else patient)[field] = value
    try:
        with time_limit(TIME_LIMIT_S):
            result = verify(order, patient, meds)
    except DoseInputError:
        return
    assert isinstance(result, Verdict)


def request_line(draw_value):
    return json.dumps({"order": {**ORDER, "dose": draw_value}, "patient": PATIENT}, ensure_ascii=False)


lines = st.one_of(
    st.text(max_size=60).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=60),
    st.sampled_from(HOSTILE).map(lambda v: request_line(v).encode()),
    st.text(max_size=20).map(lambda v: request_line(v).encode()),
    st.sampled_from([b"[" * 5000, b'{"order": 1, "order": 2}', b'{"a": NaN}', b"\xef\xbb\xbf{}", b'{"x": "a\xe2\x80\xa8b"}']),
)


@SETTINGS
@given(rest=st.lists(lines.map(lambda line: line.replace(b"\n", b" ")), max_size=12), crlf=st.booleans())
def test_every_cli_line_is_reported_and_none_crashes(tmp_path, rest, crlf):
    first = request_line("20 mg").encode()  # a readable first line: JSON-lines mode
    data = (b"\r\n" if crlf else b"\n").join([first, *rest])
    path = tmp_path / "orders.jsonl"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with time_limit(TIME_LIMIT_S * (len(rest) + 1)), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["verify", str(path), "--json"])
    expected = [n for n, line in enumerate(data.split(b"\n"), start=1) if line.strip()]
    if len(expected) == 1:  # one order prints as one (indented) JSON document, without a line number
        records = [{"line": 1, **json.loads(out.getvalue())}]
    else:
        records = [json.loads(line) for line in out.getvalue().split("\n") if line]
    assert [r["line"] for r in records] == expected
    assert code != 4, err.getvalue()
    assert not any("internal_error" in r for r in records)


@pytest.mark.parametrize("size", [0, 100, 5000])
def test_many_array_elements_stream_in_order(tmp_path, size):
    good = {"order": {"drug": "prednisone", "dose": "5 mg", "frequency": "daily", "route": "oral"}, "patient": PATIENT}
    elements = [good if i % 50 == 0 else {"bad": i} for i in range(size)]
    path = tmp_path / "a.json"
    path.write_text(json.dumps(elements))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["verify", str(path), "--json"])
    records = [json.loads(line) for line in out.getvalue().split("\n") if line]
    assert code == 3
    if size > 1:
        assert [r["line"] for r in records] == list(range(1, size + 1))
    assert f"{size} order" in err.getvalue() or size == 0
    assert cli_verify.summary({"ok": 1, "warn": 0, "block": 0, "refused": 0, "internal": 0}) == "1 order: 1 ok, 0 warn, 0 block, 0 refused, 0 internal errors"
