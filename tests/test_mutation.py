"""Mutation testing guards the core's pure decisions: every mutant mutmut makes of
core/reconcile.py, core/backoff.py and core/markall.py fails a test (tools/mutation.sh)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import REPO


def test_every_mutant_of_the_cores_pure_decisions_is_killed() -> None:
    pytest.importorskip("mutmut")
    result = subprocess.run(
        [str(REPO / "tools" / "mutation.sh")],
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "PYTHON": sys.executable},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mutants killed" in result.stdout
