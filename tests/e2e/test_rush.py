"""A short service night, on SQLite and on PostgreSQL: `tableside rush` starts its own
emulator and two server processes, works the floor from four terminals while the
processor misbehaves and a server is SIGKILLed, settles every unfinished key, and finds
money and tables in agreement. What it reports is what a manager would ask after a night."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ACTIONS = 150
SEED = 7


def rush(tmp_path: Path, database_url: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    summary = tmp_path / "summary.json"
    args = [
        *(sys.executable, "-m", "tableside.cli", "rush"),
        *("--actions", str(ACTIONS), "--seed", str(SEED)),
        *("--data-dir", str(tmp_path / "night"), "--json", str(summary)),
    ]
    if database_url.startswith("postgresql"):
        args += ["--database-url", database_url]  # SQLite: the rush's own file
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    return result, json.loads(summary.read_text()) if summary.exists() else None


@pytest.mark.slow
def test_a_service_night_with_faults_and_kills_ends_with_money_and_tables_agreeing(
    empty_database_url: str, tmp_path: Path
) -> None:
    result, summary = rush(tmp_path, empty_database_url)
    shown = f"{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    assert result.returncode == 0, shown
    assert "RUSH OK" in result.stdout, shown
    assert summary["ok"], shown
    assert summary["actions"] == ACTIONS
    # Every kind of floor work was done, and money moved both ways.
    assert {"seat", "ring", "send", "split", "pay", "double_tap", "refund"} <= set(
        summary["actions_by_kind"]
    ), shown
    assert summary["money"]["payments"].get("card", 0) > 0, shown
    assert summary["money"]["payments"].get("cash", 0) > 0, shown
    # The processor misbehaved, and a server died mid-service and came back.
    assert summary["faults"]["injected"] > 0, shown
    assert summary["kills"] >= 1, shown
    assert summary["restarts"] == summary["kills"], shown
    # Every key answered without a final outcome was retried to one.
    retries = summary["retries"]
    assert retries["keys_answered_non_final"] > 0, shown
    assert retries["resolved"] == retries["unfinished_at_end"], shown
    assert retries["unresolved"] == [], shown
    # No answer broke the contract, and `tableside check` agrees (processor included).
    assert summary["violations"] == [], shown
    assert summary["check"]["ok"], shown
    assert summary["check"]["violations"] == [], shown
    assert summary["check"]["checked"]["processor_charges"] > 0, shown
    assert summary["money"]["processor_charged_cents"] == (
        summary["money"]["captured_cents"].get("card", 0)
        + summary["money"]["tips_cents"].get("card", 0)
    ), shown
