"""`dmdose calc`: one subcommand per calculator, the pharmacist's report, --version (issue 10)."""

import json
import shlex

import pytest

from dosing import cli
from dosing.cli.calc import BY_NAME, duration_text, number_text
from dosing.units import Quantity

BODY = ["--weight", "70 kg", "--height", "165 cm", "--age", "54 years", "--sex", "female", "--creatinine", "0.8 mg/dL"]


def run(capsys, *args):
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_each_calculator_help_shows_only_its_options(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["calc", "ivig", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "--weight-policy" in text and "examples:" in text
    assert "--fixed-dose" not in text and "--regimen" not in text and "--drug" not in text


def test_bsa_help_hides_patient_options_it_does_not_use(capsys):
    with pytest.raises(SystemExit):
        cli.main(["calc", "bsa", "--help"])
    text = capsys.readouterr().out
    assert "--weight" in text and "--formula" in text
    assert "--creatinine" not in text and "--sex" not in text


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_every_help_example_runs(capsys, name):
    # The examples printed by --help are commands a pharmacist copies: each must work.
    for example in BY_NAME[name].examples:
        argv = shlex.split(example)[1:]
        code, out, err = run(capsys, *argv)
        assert code in (0, 1, 2), err
        assert out.startswith("CALCULATOR")


def test_aliases_are_kept(capsys):
    for alias in ("mtx", "hcq", "mmf", "crcl", "egfr"):
        code, out, err = run(capsys, "calc", alias, *BODY, "--json")
        assert code in (0, 1, 2), err
        json.loads(out)


def test_ivig_report_reads_like_verify_with_a_ramp_table(capsys):
    code, out, _ = run(capsys, "calc", "ivig", *BODY, "--start-date", "2026-12-01")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "CALCULATOR   ivig (Octagam 10%)" and lines[1] == "STATUS       OK"
    assert "None" not in out
    assert any(line.split() == ["daily", "dose", "70", "g"] for line in lines)
    # 70 kg, Octagam 10% ramp 1 → 2 → 4 mg/kg/min: 42, 84, 168 mL/h; 700 mL takes 4 h 48 min following it.
    ramp = lines[lines.index(next(l for l in lines if l.startswith("INFUSION RAMP"))):]
    assert ramp[1].split() == ["step", "mL/h", "mL/kg/h", "mg/kg/min", "hold", "for", "volume"]
    assert ramp[2].split()[:5] == ["1", "42", "0.6", "1", "30"]
    assert ramp[3].split()[:5] == ["2", "84", "1.2", "2", "30"]
    assert ramp[4].split()[:4] == ["3", "168", "2.4", "4"] and "637 mL" in ramp[4]
    assert "4 h 48 min" in ramp[6] and "700 mL" in ramp[6]


def test_methotrexate_report_has_no_none_and_short_numbers(capsys):
    code, out, _ = run(capsys, "calc", "mtx", *BODY, "--fixed-dose", "20 mg", "--route", "subcutaneous")
    assert code == 0
    assert "None" not in out and "78.8689" not in out
    assert "crcl              78.8 mL/min" in out  # truncated, never rounded up past a threshold
    assert "volume            0.8 mL" in out


def test_kidney_report_rounds_for_the_eye(capsys):
    _, out, _ = run(capsys, "calc", "kidney", *BODY)
    assert "88.8 mL/min" in out and "87.5 mL/min/1.73 m²" in out and "88.8368" not in out


def test_json_output_is_unchanged_by_the_report(capsys):
    _, out, _ = run(capsys, "calc", "mtx", *BODY, "--fixed-dose", "20 mg", "--route", "subcutaneous", "--json")
    data = json.loads(out)
    assert data["crcl"] == "78.8689 mL/min" and data["tablets"] is None and data["status"] == "ok"


def test_bare_number_names_the_unit_to_write(capsys):
    code, out, err = run(capsys, "calc", "bsa", "--weight", "70", "--height", "165 cm")
    assert code == 3 and "70 has no unit: write e.g. '70 kg'" in err
    code, out, err = run(capsys, "calc", "prednisone", *BODY, "--daily-dose", "20")
    assert code == 3 and "20 has no unit: write e.g. '20 mg'" in err


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("dmdose ")


def test_calc_without_a_calculator_is_bad_input(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["calc"])
    assert exc.value.code == 3


@pytest.mark.skipif("cyclosporine" not in BY_NAME, reason="no cyclosporine calculator")
def test_cyclosporine_calculator(capsys):
    # 2.5 mg/kg/day × 70 kg = 175 mg/day → 87.5 mg twice daily → 75 mg (nearest 25 mg step, the lower on a tie).
    code, out, _ = run(capsys, "calc", "cyclosporine", *BODY, "--json")
    data = json.loads(out)
    assert data["dose_per_administration"] == "75 mg" and code in (0, 1)
    code, _, err = run(capsys, "calc", "cyclosporine", *BODY, "--mg-per-kg-day", "9 mg/kg/day")
    assert code == 3


@pytest.mark.parametrize("value, text", [(87.1226, "87.1"), (1.79118, "1.79"), (0.0714286, "0.0714"), (14.999999999999998, "15"),
                                          (2680.0, "2680"), (62.1457, "62.1"), (24.99, "24.9")])
def test_number_text(value, text):
    assert number_text(value) == text


@pytest.mark.parametrize("hours, text", [(0.5, "30 min"), (3.79167, "3 h 48 min"), (4.0, "4 h"), (4.16667, "4 h 11 min")])
def test_duration_text_rounds_up(hours, text):
    assert duration_text(Quantity(hours, "hour")) == text
