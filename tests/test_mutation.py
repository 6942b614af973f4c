"""Mutation testing guards the pure decisions: every mutant mutmut makes of
core/reconcile.py, core/backoff.py, core/markall.py and api/models.py fails a test
(tools/mutation.sh)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import REPO


@pytest.mark.parametrize(
    "targets",
    [
        pytest.param([], id="core"),  # the script's own default: the core's pure modules
        pytest.param(["traynotify/api/models.py", "--", "tests/test_models.py"], id="models"),
    ],
)
def test_every_mutant_is_killed(targets: list[str]) -> None:
    pytest.importorskip("mutmut")
    result = subprocess.run(
        [str(REPO / "tools" / "mutation.sh"), *targets],
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "PYTHON": sys.executable},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mutants killed" in result.stdout
