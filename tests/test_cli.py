"""The dmdose command, run as a subprocess: exit codes, reports and JSON."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dosing import Verdict

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PATIENT = {"weight": "150 lb", "height": "5 ft 5 in", "age": "54 years", "sex": "female", "serum_creatinine": "0.8 mg/dL"}
BODY = ["--weight", "70 kg", "--height", "165 cm", "--age", "54 years", "--sex", "female", "--creatinine", "0.8 mg/dL"]


def dmdose(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "dosing.cli", *args], input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def request(drug, dose, frequency, route, meds=(), **patient):
    return {"order": {"drug": drug, "dose": dose, "frequency": frequency, "route": route},
            "patient": {**PATIENT, **patient}, "current_medications": list(meds)}


def write(tmp_path, data, name="order.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_shipped_example_is_ok_and_readable():
    result = dmdose("verify", str(EXAMPLES / "order.json"))
    assert result.returncode == 0, result.stderr
    assert "STATUS       OK" in result.stdout
    assert "Dosing weight" in result.stdout


@pytest.mark.parametrize(
    "req, code, status",
    [
        (request("methotrexate", "20 mg", "weekly", "subcutaneous"), 0, "ok"),
        (request("Plaquenil", "200 mg", "BID", "oral"), 1, "warn"),  # 400 mg/day > 5 mg/kg × 68 kg
        (request("methotrexate", "2.5 mg", "daily", "oral"), 2, "block"),
        (request("methotrexate", "20 mg", "weekly", "oral", meds=["Bactrim"]), 2, "block"),
    ],
)
def test_exit_codes_and_json(tmp_path, req, code, status):
    result = dmdose("verify", write(tmp_path, req), "--json")
    assert result.returncode == code, result.stderr
    verdict = Verdict.from_json(result.stdout)
    assert verdict.status.value == status
    assert json.loads(result.stdout)["status"] == status


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(request("methotrexate", "20", "weekly", "oral")),          # bare number
        json.dumps(request("wonderdrug", "20 mg", "weekly", "oral")),         # unknown drug
        json.dumps(request("methotrexate", "20 mg", "weekly", "oral", weight="70 cm")),
        json.dumps({"order": {"drug": "methotrexate"}}),                       # no patient
        "{not json",
    ],
)
def test_bad_input_exits_3_with_json_error(tmp_path, text):
    result = dmdose("verify", write(tmp_path, text), "--json")
    assert result.returncode == 3
    assert "error" in json.loads(result.stdout)
    assert "bad input" in result.stderr


def test_missing_file_and_usage_errors_exit_3():
    assert dmdose("verify", "/nonexistent/order.json").returncode == 3
    assert dmdose("frobnicate").returncode == 3
    assert dmdose("calc", "nosuchcalculator").returncode == 3


def test_json_lines_worst_code_wins_and_every_line_reported(tmp_path):
    lines = [
        request("methotrexate", "20 mg", "weekly", "subcutaneous"),
        request("Enbrel", "50 mg", "weekly", "subcutaneous"),
        request("prednisone", "5 mg", "daily", "oral"),
    ]
    path = write(tmp_path, "\n".join(json.dumps(line) for line in lines), "orders.jsonl")
    result = dmdose("verify", path, "--json")
    assert result.returncode == 2
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3]
    assert [r["verdict"]["status"] for r in records] == ["ok", "block", "ok"]


def test_bad_line_in_batch_exits_3_but_others_are_still_verified(tmp_path):
    lines = [request("methotrexate", "20 mg", "weekly", "subcutaneous"), request("methotrexate", "20 mL/h", "weekly", "oral")]
    path = write(tmp_path, "\n".join(json.dumps(line) for line in lines), "orders.jsonl")
    result = dmdose("verify", path, "--json")
    assert result.returncode == 3
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["verdict"]["status"] == "ok"
    assert records[1]["error"]["parameter"] == "dose"


def test_seed_plan_example_runs_every_line():
    result = dmdose("verify", str(EXAMPLES / "seed-plan.jsonl"), "--json")
    assert result.returncode == 2  # the plan's "treatments to avoid" are blocked
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert all("verdict" in r for r in records)
    by_drug = {}
    for r in records:
        by_drug.setdefault(r["verdict"]["drug"], []).append(r["verdict"]["status"])
    assert by_drug["etanercept"] == ["block"] and by_drug["tocilizumab"] == ["block"]


def test_verify_reads_stdin():
    result = dmdose("verify", "-", "--json", stdin=json.dumps(request("prednisone", "5 mg", "daily", "oral")))
    assert result.returncode == 0
    assert json.loads(result.stdout)["drug"] == "prednisone"


@pytest.mark.parametrize(
    "calculator, extra, expect",
    [
        ("ivig", ["--start-date", "2026-12-01"], "daily_dose"),
        ("methotrexate", ["--mode", "bsa", "--dose-per-m2", "15 mg/m2", "--split"], "weekly_dose"),
        ("mtx", ["--fixed-dose", "20 mg", "--route", "subcutaneous"], "volume"),
        ("rituximab", ["--regimen", "bsa-weekly-x4", "--start-date", "2026-12-01"], "schedule"),
        ("mycophenolate", ["--dose", "1500 mg"], "mps_equivalent_per_administration"),
        ("hcq", [], "max_daily_dose"),
        ("prednisone", ["--daily-dose", "5 mg"], "daily_dose"),
        ("monitoring", ["--drug", "methotrexate", "--drug", "ivig"], "items"),
        ("bsa", [], "bsa"),
        ("ibw", [], "ideal_body_weight"),
        ("kidney", [], "creatinine_clearance"),
    ],
)
def test_calc_json(calculator, extra, expect):
    result = dmdose("calc", calculator, *BODY, *extra, "--json")
    data = json.loads(result.stdout)
    assert expect in data
    # A dose calculator exits like verify, by its own and the patient's findings.
    codes = {"ok": 0, "warn": 1, "block": 2}
    assert result.returncode == codes.get(data.get("status"), 0), result.stderr


def test_calc_ivig_hand_worked():
    # 70 kg female 165 cm, label policy (the default): 2 g/kg of actual weight = 140 g / 2 days = 70 g/day
    # → whole vials 3 × 20 g + 1 × 10 g = 70 g exactly.
    data = json.loads(dmdose("calc", "ivig", *BODY, "--json").stdout)
    assert data["weight_basis"] == "actual"
    assert data["daily_dose"] == "70 g"


def test_calc_ivig_stewardship_policy_uses_adjusted_weight():
    # IBW 45.5 + 2.3 × (64.96 − 60) = 56.91 kg; adjusted 56.91 + 0.4 × 13.09 = 62.15 kg;
    # 2 g/kg → 124.3 g / 2 days = 62.15 g/day → 3 × 20 g + 1 × 5 g = 65 g (+4.6 %, within +5 %).
    data = json.loads(dmdose("calc", "ivig", *BODY, "--weight-policy", "adjusted", "--json").stdout)
    assert data["weight_basis"] == "adjusted"
    assert data["daily_dose"] == "65 g"


def test_calc_bad_input_exits_3():
    result = dmdose("calc", "bsa", "--weight", "70", "--height", "165 cm")
    assert result.returncode == 3
    assert "weight" in result.stderr
    assert dmdose("calc", "rituximab", *BODY).returncode == 3  # no start date: no dated schedule


def test_console_script_is_installed():
    script = shutil.which("dmdose", path=os.path.dirname(sys.executable)) or shutil.which("dmdose")
    if script is None:
        pytest.skip("dmdose is not installed in this interpreter's environment (pip install . installs it)")
    result = subprocess.run([script, "verify", str(EXAMPLES / "order.json"), "--json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert json.loads(result.stdout)["status"] == "ok"


def test_readme_python_example_runs():
    readme = (ROOT / "README.md").read_text()
    code = readme.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) <= 10
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "block"


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    blocks = [b.split("```", 1)[0].strip() for b in readme.split("```sh\n")[1:]]
    install_and_run, test_command = blocks[0], blocks[1]
    assert "examples/" in install_and_run
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_a_broken_json_line_does_not_stop_the_others(tmp_path):
    good = json.dumps(request("prednisone", "5 mg", "daily", "oral"))
    path = write(tmp_path, "\n".join([good, "{broken", "", good]), "orders.jsonl")
    result = dmdose("verify", path, "--json")
    assert result.returncode == 3
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 2, 4]  # numbered as in the file; the blank line is skipped
    assert records[1]["error"]["parameter"] == "request"
    assert records[0]["verdict"]["status"] == records[2]["verdict"]["status"] == "ok"


def test_an_internal_error_exits_4_never_1(monkeypatch, tmp_path, capsys):
    # An uncaught traceback exits 1, which a verification script would read as "warn".
    from dosing import cli
    from dosing.cli import verify as cli_verify

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(cli_verify, "verify", broken)
    code = cli.main(["verify", write(tmp_path, request("prednisone", "5 mg", "daily", "oral"))])
    assert code == cli.EXIT_INTERNAL_ERROR == 4
    assert "internal error" in capsys.readouterr().err


def test_calc_applies_the_patients_contraindications():
    # verify would block these; calc must not print a bare dose with exit 0.
    for calculator, condition, rule in [
        ("methotrexate", "pregnancy", "interactions.mtx-pregnancy"),
        ("ivig", "iga_deficiency_with_anti_iga", "interactions.ivig-anti-iga"),
        ("mycophenolate", "pregnancy", "interactions.mycophenolate-pregnancy"),
    ]:
        result = dmdose("calc", calculator, *BODY, "--condition", condition, "--json")
        data = json.loads(result.stdout)
        assert result.returncode == 2 and data["status"] == "block"
        assert rule in {f["rule_id"] for f in data["patient_rule_findings"]}


def test_calc_refuses_options_of_the_other_mode():
    result = dmdose("calc", "mtx", *BODY, "--mode", "bsa", "--fixed-dose", "20 mg")
    assert result.returncode == 3 and "fixed_dose" in result.stderr


def test_calc_names_missing_body_measurements():
    result = dmdose("calc", "bsa", "--weight", "70 kg")
    assert result.returncode == 3 and "--height" in result.stderr


def test_calc_ibw_has_no_adjusted_weight_below_ibw():
    # 45 kg at 165 cm (IBW 56.9 kg): adjusted weight would be above actual weight.
    data = json.loads(dmdose("calc", "ibw", "--height", "165 cm", "--sex", "female", "--weight", "45 kg", "--json").stdout)
    assert data["adjusted_body_weight"].startswith("not applicable")


def test_bom_and_empty_input(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(request("prednisone", "5 mg", "daily", "oral")).encode())
    assert dmdose("verify", str(path)).returncode == 0
    assert dmdose("verify", "-", stdin="[]").returncode == 3
    assert dmdose("verify", "-", stdin="").returncode == 3


def test_text_report_lists_refused_orders_too(tmp_path):
    lines = [request("prednisone", "5 mg", "daily", "oral"), request("prednisone", "5", "daily", "oral")]
    result = dmdose("verify", write(tmp_path, "\n".join(json.dumps(x) for x in lines), "o.jsonl"))
    assert result.returncode == 3
    assert "--- order 2" in result.stdout and "BAD INPUT" in result.stdout


def test_repeated_json_keys_are_refused_not_last_one_wins(tmp_path):
    # A second "current_medications": [] would silently drop Bactrim (a contraindication).
    text = json.dumps(request("methotrexate", "20 mg", "weekly", "SC", meds=["Bactrim"]))[:-1] + ', "current_medications": []}'
    result = dmdose("verify", write(tmp_path, text), "--json")
    assert result.returncode == 3
    assert json.loads(result.stdout)["error"]["parameter"] == "request"
    good = json.dumps(request("prednisone", "5 mg", "daily", "oral"))
    lines = dmdose("verify", write(tmp_path, good + "\n" + text, "o.jsonl"), "--json")
    records = [json.loads(line) for line in lines.stdout.splitlines()]
    assert lines.returncode == 3 and "verdict" in records[0] and "error" in records[1]


def test_calc_passes_the_bsa_formula_and_uses_the_api_defaults():
    base = ["calc", "rituximab", *BODY, "--start-date", "2026-12-01", "--json"]
    default = json.loads(dmdose(*base).stdout)
    dubois = json.loads(dmdose(*base, "--formula", "dubois").stdout)
    assert default["regimen"] == "bsa-weekly-x4" and default["bsa_formula"] == "mosteller"
    assert dubois["bsa_formula"] == "dubois"
    mtx = json.loads(dmdose("calc", "mtx", *BODY, "--formula", "dubois", "--json").stdout)
    assert mtx["bsa_formula"] == "dubois" and mtx["mode"] == "bsa"


# --- hostile and broken input (issue 6), streaming and --jobs (issue 8) -------------------------


def records_of(result):
    # Split on "\n" only: str.splitlines() would also cut at a U+2028 inside a JSON string.
    return [json.loads(line) for line in result.stdout.split("\n") if line]


def good_line(drug="prednisone"):
    return json.dumps(request(drug, "5 mg", "daily", "oral"))


@pytest.mark.parametrize(
    "bad",
    [
        "[" * 100_000 + "]" * 100_000,                                        # RecursionError before
        '{"order": ' * 5000,
        json.dumps(request("prednisone", "5 mg", "daily", "oral"))[:-1] + ', "n": ' + "9" * 5000 + "}",  # int() digit limit
        json.dumps(request("prednisone", "1" * 40_000 + " mg", "daily", "oral")),  # 19 s in pint before
        json.dumps({**request("prednisone", "5 mg", "daily", "oral"), "current_medications": {"Bactrim": False}}),
        '{"order": NaN}',
    ],
)
def test_one_hostile_line_is_refused_and_the_others_verified(tmp_path, bad):
    path = write(tmp_path, "\n".join([good_line(), bad, good_line()]), "o.jsonl")
    result = dmdose("verify", path, "--json")
    assert result.returncode == 3, result.stderr
    records = records_of(result)
    assert [r["line"] for r in records] == [1, 2, 3]
    assert "error" in records[1] and "verdict" in records[0] and "verdict" in records[2]
    assert "3 orders: 2 ok, 0 warn, 0 block, 1 refused, 0 internal errors" in result.stderr


def test_invalid_utf8_and_u2028_lines(tmp_path):
    u2028 = json.dumps(request("prednisone", "5 mg", "daily", "oral", meds=["folic\u2028acid"]), ensure_ascii=False)
    path = tmp_path / "o.jsonl"
    path.write_bytes(b"\n".join([good_line().encode(), b'{"order": "\xff\xfe"}', u2028.encode(), good_line().encode() + b"\r"]))
    result = dmdose("verify", str(path), "--json")
    records = records_of(result)
    # The U+2028 line is one record (str.splitlines() cut it in two before).
    assert [r["line"] for r in records] == [1, 2, 3, 4]
    assert "not UTF-8" in records[1]["error"]["problem"]
    assert result.returncode == 3


def test_binary_input_ends_and_is_counted(tmp_path):
    path = tmp_path / "random.bin"
    path.write_bytes(os.urandom(600_000))
    result = subprocess.run([sys.executable, "-m", "dosing.cli", "verify", str(path)], capture_output=True, cwd=ROOT, timeout=120)
    assert result.returncode == 3
    assert b": internal error" not in result.stderr and b"0 internal errors" in result.stderr


def test_an_internal_error_on_one_line_does_not_stop_the_others(monkeypatch, tmp_path, capsys):
    from dosing import cli
    from dosing.cli import verify as cli_verify

    real = cli_verify.verify

    def sometimes_broken(order, *args, **kwargs):
        if order["drug"] == "methotrexate":
            raise OverflowError("simulated bug")
        return real(order, *args, **kwargs)

    monkeypatch.setattr(cli_verify, "verify", sometimes_broken)
    lines = [good_line(), json.dumps(request("methotrexate", "20 mg", "weekly", "oral")), good_line(), "{bad"]
    code = cli.main(["verify", write(tmp_path, "\n".join(lines), "o.jsonl"), "--json"])
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 4  # internal error outranks bad input
    assert [r["line"] for r in records] == [1, 2, 3, 4]
    assert records[1]["internal_error"]["type"] == "OverflowError"
    assert "verdict" in records[2] and "error" in records[3]
    assert "order 2: internal error" in err and "4 orders: 2 ok, 0 warn, 0 block, 1 refused, 1 internal error" in err


def test_jobs_keep_the_input_order(tmp_path):
    drugs = ["prednisone", "methotrexate", "Enbrel", "wonderdrug"]
    lines = [json.dumps(request(drugs[i % 4], "5 mg" if i % 4 != 1 else "20 mg", "daily" if i % 4 != 1 else "weekly", "oral")) for i in range(150)]
    path = write(tmp_path, "\n".join(lines), "o.jsonl")
    serial = dmdose("verify", path, "--json")
    parallel = dmdose("verify", path, "--json", "--jobs", "2")
    assert parallel.returncode == serial.returncode == 3
    assert parallel.stdout == serial.stdout
    assert [r["line"] for r in records_of(parallel)] == list(range(1, 151))
    assert dmdose("verify", path, "--jobs", "0").returncode == 3


def test_a_json_array_is_verified_element_by_element(tmp_path):
    text = "[\n" + ",\n".join([good_line(), '{"order": 1, "order": 2}', good_line()]) + "\n]\n"
    result = dmdose("verify", write(tmp_path, text), "--json")
    assert result.returncode == 3
    assert [("verdict" in r, r["line"]) for r in records_of(result)] == [(True, 1), (False, 2), (True, 3)]


def test_medications_complete_is_a_json_boolean(tmp_path):
    bad = {**request("prednisone", "5 mg", "daily", "oral"), "medications_complete": "yes"}
    result = dmdose("verify", write(tmp_path, bad), "--json")
    assert result.returncode == 3 and json.loads(result.stdout)["error"]["parameter"] == "medications_complete"
    good = {**request("prednisone", "5 mg", "daily", "oral"), "medications_complete": True}
    result = dmdose("verify", write(tmp_path, good), "--json")
    # Passed to verify once it takes medications_complete; until then refused, never ignored.
    data = json.loads(result.stdout)
    assert ("status" in data) or data["error"]["parameter"] == "medications_complete"


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_a_non_utf8_stdout_prints_the_examples(encoding):
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    for example in ("order.json", "seed-plan.jsonl"):
        for extra in ([], ["--json"]):
            result = subprocess.run(
                [sys.executable, "-m", "dosing.cli", "verify", str(EXAMPLES / example), *extra],
                capture_output=True, cwd=ROOT, timeout=120, env=env,
            )
            assert result.returncode in (0, 1, 2), result.stderr
            text = result.stdout.decode(encoding)
            assert "?" not in text.replace("?)", "")  # nothing replaced by "?"
            if extra:
                for line in text.splitlines() if example.endswith("jsonl") else [text]:
                    json.loads(line)


def test_transliteration_keeps_doses_readable():
    from dosing.cli.common import HANDLER

    assert "50 µg/kg ≥ 2 m² × 3, 5 µmol/L ⊃".encode("ascii", HANDLER) == b"50 mcg/kg >= 2 m2 x 3, 5 umol/L \\u2283"
    assert "µg ×".encode("cp1252", HANDLER) == "µg ×".encode("cp1252")  # cp1252 has both: kept


def test_summary_line_for_one_order():
    result = dmdose("verify", str(EXAMPLES / "order.json"))
    assert result.stderr.strip().splitlines()[-1].startswith("dmdose: 1 order: ")


def test_report_shows_regimen_alerts_medications_unused_conditions_and_version(tmp_path):
    # Leucovorin for a patient on methotrexate + Bactrim: the pair is a regimen alert, not a block of the remedy.
    line = request("leucovorin", "15 mg", "daily", "oral")
    line["current_medications"] = ["methotrexate", "Bactrim DS", "Zyrtecc"]
    line["patient"]["conditions"] = ["hypertension"]
    result = dmdose("verify", write(tmp_path, line))
    assert "REGIMEN ALERTS (current medications; they do not block this order)" in result.stdout
    assert "interactions.mtx-antifolate-antibiotic" in result.stdout
    assert "Bactrim DS -> trimethoprim-sulfamethoxazole" in result.stdout
    assert "Zyrtecc -> NOT RECOGNISED" in result.stdout
    assert "NOT USED     hypertension" in result.stdout
    assert "DMDOSE       " in result.stdout
    assert result.returncode == 1  # warn: the regimen alert is major, the remedy is not blocked


# --- shell completion (shtab, optional) ---------------------------------------------------------


def test_completion_without_shtab_says_how_to_get_it(monkeypatch, capsys):
    from dosing import cli

    monkeypatch.setitem(sys.modules, "shtab", None)  # import shtab now raises ImportError, as when it is not installed
    assert cli.main(["completion", "bash"]) == 3
    captured = capsys.readouterr()
    assert captured.out == "" and "pip install shtab" in captured.err


def test_completion_script_names_every_command_and_calculator(capsys):
    pytest.importorskip("shtab")
    from dosing import cli
    from dosing.cli.calc import BY_NAME

    for shell in ("bash", "zsh", "tcsh"):
        assert cli.main(["completion", shell]) == 0
        script = capsys.readouterr().out
        # tcsh's script completes commands and calculators only; bash and zsh complete options too.
        options = ("--weight", "--json") if shell != "tcsh" else ()
        for word in ("verify", "calc", "serve", "completion", *BY_NAME, *options):
            assert word in script, (shell, word)
    # File arguments complete file names.
    cli.main(["completion", "bash"])
    assert "_shtab_dmdose_verify_pos_0_COMPGEN=_shtab_compgen_files" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_completes_calculators_and_file_names(tmp_path):
    pytest.importorskip("shtab")
    script = dmdose("completion", "bash")
    assert script.returncode == 0, script.stderr
    (tmp_path / "orders.jsonl").write_text("")
    complete = tmp_path / "dmdose.bash"
    complete.write_text(script.stdout)
    probe = (
        f'source "{complete}"\n'
        't() { COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; '
        'COMPREPLY=(); _shtab_dmdose; echo "${COMPREPLY[*]}"; }\n'
        't dmdose calc iv\nt dmdose verify ord\nt dmdose completion ""\n'
    )
    result = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.stdout.splitlines() == ["ivig", "orders.jsonl", "bash zsh tcsh"], result.stderr
