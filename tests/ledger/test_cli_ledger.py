"""`amends ledger` run as a user runs it: a real subprocess on a real SQLite file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar

from assistant.ledger_models import LedgerEntryDraft
from assistant.storage import Store

pytestmark = pytest.mark.slow  # each case starts the CLI in a fresh interpreter
ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "amends.db"
    store = Store(f"sqlite:///{path}")
    payroll = store.create_case("Payroll outage")
    filing = store.create_case("Missed filing")
    store.add_ledger_entries(payroll.id, [
        LedgerEntryDraft(action="Automate certificate renewal", owner="Mei Lin",
                         due=dt.date(2026, 11, 20), checkpoint="runbook shared with you"),
        LedgerEntryDraft(action="Reimburse bank charges", owner="Daniel Okafor",
                         due=dt.date(2026, 12, 8)),
    ], actor="ann")
    store.add_ledger_entries(filing.id, [
        LedgerEntryDraft(action="File the return, Ünïcode ok", owner="Sam Lee",
                         due=dt.date(2027, 1, 31), checkpoint="HMRC receipt, forwarded"),
    ], actor="ann")
    store.dispose()
    return path


def amends(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMENDS_")}
    env.update(PYTHONPATH=str(ROOT), AMENDS_DATABASE_URL=f"sqlite:///{db}",
               AMENDS_HOME=str(db.parent / "home"))
    return subprocess.run([sys.executable, "-m", "assistant.cli", "ledger", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def test_list_text_and_json_with_filters(db: Path) -> None:
    run = amends(db, "list", "--today", TODAY.isoformat())
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert [line.split("\t")[1] for line in lines] == ["2026-11-20", "2026-12-08", "2027-01-31"]
    assert "open  OVERDUE" in lines[0] and "OVERDUE" not in lines[1]
    assert "(case #1 Payroll outage)" in lines[0]

    run = amends(db, "list", "--case", "2", "--format", "json")
    data = json.loads(run.stdout)
    assert [e["owner"] for e in data["entries"]] == ["Sam Lee"]
    assert data["entries"][0]["history"][0]["change"] == "created"

    assert amends(db, "list", "--status", "done").stdout.strip() == "no ledger entries"


def test_due_exits_1_while_anything_is_overdue_then_0_after_done(db: Path) -> None:
    run = amends(db, "due", "--within", "7d", "--today", TODAY.isoformat())
    assert run.returncode == 1
    assert run.stdout.splitlines()[0] == "Overdue (1)"
    assert "Due within 7 days (1)" in run.stdout and "Reimburse" in run.stdout
    assert "File the return" not in run.stdout  # beyond the window
    assert "1 commitment(s) overdue" in run.stderr

    done = amends(db, "done", "1", "--proof", "Renewal automated; runbook sent 19 Nov",
                  "--link", "https://status.example/runbook")
    assert done.returncode == 0, done.stderr
    assert "#1 done" in done.stdout
    entry = Store(f"sqlite:///{db}").ledger_entry(1)
    assert entry.status == "done" and entry.proof_link == "https://status.example/runbook"
    assert entry.history[-1].change.startswith("proof")

    again = amends(db, "due", "--today", TODAY.isoformat(), "--format", "json")
    assert again.returncode == 0
    assert [e["id"] for e in json.loads(again.stdout)["entries"]] == [2]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("done", "99", "--proof", "x"), "ledger entry 99 does not exist"),
        (("done", "abc", "--proof", "x"), "'abc' is not an entry id"),
        (("done", "1", "--proof", "  "), "proof: say what was done"),
        (("list", "--status", "closed"), "--status: 'closed' is not a status"),
        (("list", "--today", "2026-02-30"), "--today: '2026-02-30' is not a date"),
        (("list", "--case", "7"), "case 7 does not exist"),
        (("due", "--within", "soon"), "--within: 'soon' is not a number of days"),
        (("export", "--format", "pdf"), "invalid choice: 'pdf'"),
    ],
)
def test_bad_ids_dates_and_statuses_exit_2_with_one_message(
    db: Path, args: tuple[str, ...], message: str
) -> None:
    run = amends(db, *args)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert Store(f"sqlite:///{db}").ledger_entry(1).status == "open"  # nothing lost


def test_export_ics_parses_as_a_calendar_with_due_and_checkpoint_events(
    db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "ledger.ics"
    run = amends(db, "export", "--format", "ics", "-o", str(out))
    assert run.returncode == 0, run.stderr
    calendar = Calendar.from_ical(out.read_bytes())
    events = [c for c in calendar.walk("VEVENT")]
    summaries = {str(e["SUMMARY"]): e for e in events}
    assert len(events) == 5  # three due dates, two checkpoints
    due = summaries["Due: Automate certificate renewal (Mei Lin)"]
    assert due.decoded("DTSTART") == dt.date(2026, 11, 20)
    assert due.decoded("DTEND") == dt.date(2026, 11, 21)
    assert "Checkpoint: runbook shared with you" in str(due["DESCRIPTION"])
    check = summaries["Checkpoint: HMRC receipt, forwarded"]  # a comma survives escaping
    assert check.decoded("DTSTART") == dt.date(2027, 1, 31)
    assert str(check["UID"]) == "amends-ledger-3-checkpoint"
    assert "Ünïcode" in str(summaries["Due: File the return, Ünïcode ok (Sam Lee)"]["SUMMARY"])
    assert len({str(e["UID"]) for e in events}) == 5


def test_export_csv_and_json(db: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(amends(db, "export", "--format", "csv").stdout)))
    assert [(r["id"], r["case"], r["due"], r["status"]) for r in rows] == [
        ("1", "Payroll outage", "2026-11-20", "open"),
        ("2", "Payroll outage", "2026-12-08", "open"),
        ("3", "Missed filing", "2027-01-31", "open"),
    ]
    data = json.loads(amends(db, "export", "--format", "json", "--case", "2").stdout)
    assert [e["action"] for e in data["entries"]] == ["File the return, Ünïcode ok"]
