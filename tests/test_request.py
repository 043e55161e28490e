"""The dmdose JSON adapter: one request read strictly, and the streaming readers of a whole input."""

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosing.input import request as rq
from dosing.input.request import InputStopped, Request, iter_records, iter_records_from_text, parse_request, read_request
from dosing.units import DoseInputError

ORDER = {"drug": "prednisone", "dose": "5 mg", "frequency": "daily", "route": "oral"}
PATIENT = {"weight": "70 kg", "height": "165 cm", "age": "54 years", "sex": "female"}


def req(**extra):
    return {"order": ORDER, "patient": PATIENT, **extra}


def refused(data, parameter):
    with pytest.raises(DoseInputError) as info:
        read_request(data)
    assert info.value.parameter == parameter, info.value
    return info.value


# --- one request -------------------------------------------------------------------------


def test_a_request_is_read_into_its_parts():
    got = read_request(req(current_medications=["Bactrim", "folic acid"], medications_complete=True))
    assert got == Request(ORDER, PATIENT, ("Bactrim", "folic acid"), True)
    assert read_request(req()) == Request(ORDER, PATIENT, (), False)


@pytest.mark.parametrize(
    "data, parameter",
    [
        ([], "request"),
        ("order", "request"),
        ({"order": ORDER}, "request"),                                   # no patient
        (req(comment="x"), "request"),                                   # unknown field
        (req(current_medications={"Bactrim": False}), "current_medications"),  # a mapping is read by its keys today
        (req(current_medications="Bactrim"), "current_medications"),
        (req(current_medications=[1]), "current_medications"),
        (req(current_medications=[None]), "current_medications"),
        (req(current_medications=[["Bactrim"]]), "current_medications"),
        (req(current_medications=["  "]), "current_medications"),
        (req(current_medications=["x" * 501]), "current_medications"),
        (req(current_medications=["aspirin"] * 201), "current_medications"),
        (req(medications_complete="true"), "medications_complete"),
        (req(medications_complete=1), "medications_complete"),
        (req(medications_complete=None), "medications_complete"),
        ({"order": "methotrexate 20 mg", "patient": PATIENT}, "order"),
        ({"order": ORDER, "patient": [PATIENT]}, "patient"),
        ({"order": {**ORDER, "dose": "1" * 40_000 + " mg"}, "patient": PATIENT}, "dose"),  # pint took 19 s on this
    ],
)
def test_malformed_requests_are_refused_naming_the_field(data, parameter):
    refused(data, parameter)


def test_nesting_is_bounded_inside_a_decoded_request():
    deep: object = "x"
    for _ in range(20):
        deep = [deep]
    refused({"order": ORDER, "patient": {**PATIENT, "conditions": deep}}, "conditions")


# --- decoding ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, problem",
    [
        ('{"order": {}, "order": {}}', "repeated field"),
        ("[" * 100_000 + "]" * 100_000, "nested"),            # json.loads would raise RecursionError
        ('{"a": ' + "9" * 5000 + "}", "digits"),             # int() over 4300 digits raises ValueError
        ('{"a": 1e999}', "too large"),
        ('{"a": NaN}', "NaN"),
        ('{"a": -Infinity}', "Infinity"),
        ("{not json", "not valid JSON"),
    ],
)
def test_hostile_json_is_refused_before_it_can_crash(text, problem):
    with pytest.raises(DoseInputError) as info:
        rq.loads(text)
    assert problem in info.value.problem


def test_nesting_depth_ignores_brackets_in_strings():
    assert rq.nesting_depth('{"a": "[[[[{{{{", "b": [1, {"c": "\\"]"}]}') == 3


def test_parse_request_from_bytes_bom_and_limits():
    body = json.dumps(req()).encode()
    assert parse_request(b"\xef\xbb\xbf" + body) == parse_request(body) == read_request(req())
    with pytest.raises(DoseInputError, match="not UTF-8"):
        parse_request(body[:-1] + b"\xff}")
    with pytest.raises(DoseInputError, match="1 MiB"):
        parse_request(b" " * (rq.MAX_REQUEST_BYTES + 1))


# --- streaming --------------------------------------------------------------------------


def numbers_and_errors(text_or_bytes):
    data = text_or_bytes if isinstance(text_or_bytes, bytes) else text_or_bytes.encode()
    return [(r.number, r.error is None) for r in iter_records(io.BytesIO(data))]


def test_json_lines_split_on_newline_only():
    # U+2028 is valid inside a JSON string; str.splitlines() cut the record there.
    line = json.dumps({"x": "a\u2028b\u0085c"}, ensure_ascii=False)
    records = list(iter_records_from_text(line + "\r\n" + line + "\n"))
    assert [(r.number, r.value) for r in records] == [(1, {"x": "a\u2028b\u0085c"}), (2, {"x": "a\u2028b\u0085c"})]
    # A raw CR inside a string is not RFC 8259 JSON (control character): refused, but as ONE record.
    assert numbers_and_errors(b'{"x": "a\rb"}\n{"y": 1}\n') == [(1, False), (2, True)]


def test_invalid_utf8_refuses_only_its_line():
    assert numbers_and_errors(b'{"a": 1}\n{"a": "\xff\xfe"}\n\n{"a": 2}') == [(1, True), (2, False), (4, True)]


def test_a_pretty_printed_object_and_a_broken_first_line():
    assert numbers_and_errors('{\n  "a": 1,\n  "b": [1,\n 2]\n}\n') == [(1, True)]
    # A truncated first line does not swallow the next ones.
    assert numbers_and_errors('{"order": {"drug": "x"\n{"a": 1}\n{"a": 2}\n') == [(1, False), (2, True), (3, True)]


def test_array_elements_stand_alone():
    text = '[{"a": 1}, {"a": 1, "a": 2}, ' + "[" * 50 + "]" * 50 + ', {"b": "],}"}]'
    assert numbers_and_errors(text) == [(1, True), (2, False), (3, False), (4, True)]
    with pytest.raises(DoseInputError, match="empty"):
        numbers_and_errors("  [ ]")


def test_an_unclosed_array_reports_its_last_element_and_stops():
    records = []
    with pytest.raises(InputStopped):
        for record in iter_records_from_text('[{"a": 1}, {"a": 2'):
            records.append(record)
    assert [(r.number, r.error is None) for r in records] == [(1, True), (2, False)]


def test_overlong_lines_are_refused_and_skipped(monkeypatch):
    monkeypatch.setattr(rq, "MAX_REQUEST_BYTES", 100)
    text = '{"a": 1}\n{"a": "' + "x" * 500 + '"}\n{"a": 2}\n'
    assert numbers_and_errors(text) == [(1, True), (2, False), (3, True)]


def test_binary_garbage_ends(monkeypatch):
    monkeypatch.setattr(rq, "MAX_UNREADABLE_RUN", 50)
    garbage = bytes(range(256)).replace(b"[", b"") * 400
    with pytest.raises(InputStopped, match="not JSON"):
        for _ in iter_records(io.BytesIO(b"\xff" + garbage)):
            pass
    monkeypatch.setattr(rq, "MAX_SKIP_BYTES", 10_000)
    monkeypatch.setattr(rq, "MAX_REQUEST_BYTES", 1000)
    with pytest.raises(InputStopped, match="no line break"):
        for _ in iter_records(io.BytesIO(b"\0" * 200_000)):
            pass


def test_arrays_are_read_in_chunks(monkeypatch):
    # Elements cut across chunk boundaries (inside strings, escapes, numbers) read the same.
    monkeypatch.setattr(rq, "_CHUNK", 7)
    values = [{"s": 'a\\"],{b' * i, "n": 12345 + i} for i in range(30)]
    records = list(iter_records_from_text(json.dumps(values)))
    assert [r.value for r in records] == values


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=20))
def test_every_nonblank_line_is_one_record(lines):
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    try:
        records = list(iter_records(io.BytesIO(data)))
    except DoseInputError:
        return  # no orders at all
    except InputStopped:
        return  # an array that is not closed
    if data.lstrip().removeprefix(b"\xef\xbb\xbf").lstrip()[:1] in (b"[", b"{"):
        return  # an array or a multi-line document: counted by elements
    nonblank = [n for n, line in enumerate(data.split(b"\n"), start=1) if line.strip()]
    assert [r.number for r in records] == nonblank
