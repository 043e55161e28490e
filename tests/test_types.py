"""The type checker is part of the test command (issue 10): mypy --strict on dosing/ and interactions/.

Configuration lives in pyproject.toml ([tool.mypy]); this test runs it in-process so
`python -m pytest` alone reports a type error as a failing test, with mypy's own lines.
"""

from __future__ import annotations

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_strict_is_clean(tmp_path: Path) -> None:
    stdout, stderr, status = api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "mypy-cache"), str(ROOT / "dosing"), str(ROOT / "interactions")]
    )
    assert status == 0, f"mypy --strict found problems:\n{stdout}{stderr}"
