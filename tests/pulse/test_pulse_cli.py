"""`amends pulse ...` and `amends draft --update` run as a user runs them: real subprocesses on a
real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARC_CSV = ROOT / "examples" / "arcs" / "cartons-late" / "pulses.csv"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AMENDS_")}
    clean.update(PYTHONPATH=str(ROOT), AMENDS_HOME=str(tmp_path / "home"),
                 AMENDS_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}", AMENDS_MODEL="offline",
                 LITELLM_LOCAL_MODEL_COST_MAP="True")
    return clean


def amends(env: dict[str, str], *args: str, stdin: str | None = None,
           cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, input=stdin, timeout=300, check=False)


def _case(env: dict[str, str]) -> int:
    done = subprocess.run(
        [sys.executable, "-c", "from assistant.pulse_command import open_store;"
         "print(open_store().create_case('Cartons late').id)"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_template_and_survey(env: dict[str, str]) -> None:
    template = amends(env, "pulse", "template")
    assert template.returncode == 0, template.stderr
    assert template.stdout.splitlines()[0].startswith("date,moment,respondent,credibility,")
    survey = amends(env, "pulse", "survey", "--to", "Peter Novak", "--moment", "end")
    assert survey.returncode == 0 and survey.stdout.startswith("Dear Peter Novak,")
    assert "What would good look like from here?" in survey.stdout
    as_json = json.loads(amends(env, "pulse", "survey", "--format", "json").stdout)
    assert as_json["open_question"]["id"] == "good_looks_like"


def test_an_organisations_survey_file_is_used_and_a_broken_one_is_exit_2(
    env: dict[str, str], tmp_path: Path
) -> None:
    own = tmp_path / "own.yaml"
    text = (ROOT / "surveys" / "trust_pulse.yaml").read_text(encoding="utf-8")
    own.write_text(text.replace("title: How are we doing?", "title: Alder pulse"), "utf-8")
    ran = amends({**env, "AMENDS_SURVEY": str(own)}, "pulse", "survey")
    assert ran.returncode == 0 and ran.stdout.startswith("Alder pulse")
    own.write_text(text.replace("dimension: reliability", "dimension: speed"), "utf-8")
    ran = amends({**env, "AMENDS_SURVEY": str(own)}, "pulse", "survey")
    assert ran.returncode == 2 and ran.stdout == ""
    assert f"{own}:" in ran.stderr and "field 'items.1.dimension'" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_import_all_or_nothing_naming_row_and_column(env: dict[str, str], tmp_path: Path) -> None:
    case = _case(env)
    bad = tmp_path / "bad.csv"
    bad.write_text(ARC_CSV.read_text(encoding="utf-8").replace(",4,2,3,5,3,4,5,", ",4,2,3,5,3,4,12,"),
                   encoding="utf-8")
    ran = amends(env, "pulse", "import", str(case), str(bad))
    assert ran.returncode == 2
    assert "row 2, column 'mutual_value': 12 is outside 1-7" in ran.stderr
    assert "nothing was imported" in ran.stderr and "Traceback" not in ran.stderr
    missing = tmp_path / "missing.csv"
    missing.write_text("date,moment,credibility\n2026-11-12,end,4\n", encoding="utf-8")
    ran = amends(env, "pulse", "import", str(case), str(missing))
    assert ran.returncode == 2 and "missing columns 'reliability'" in ran.stderr
    ran = amends(env, "pulse", "import", str(case), "-", stdin=ARC_CSV.read_text("utf-8"))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == f"imported 3 pulses into case {case}"
    ran = amends(env, "pulse", "import", "999", str(ARC_CSV))
    assert ran.returncode == 2 and "case 999 does not exist" in ran.stderr


def test_show_reads_the_pulses_back_beside_the_ledger(env: dict[str, str]) -> None:
    case = _case(env)
    assert amends(env, "pulse", "import", str(case), str(ARC_CSV)).returncode == 0
    ran = amends(env, "pulse", "show", str(case))
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0].split()[:4] == ["date", "moment", "Credibility", "Reliability"]
    assert lines[1].split()[:4] == ["2026-11-12", "first_letter", "4.0", "2.0"]
    assert "Lagging: Reliability at 4.0" in ran.stdout
    data = json.loads(amends(env, "pulse", "show", str(case), "--format", "json").stdout)
    assert [p["trust_index"] for p in data["pulses"]] == [1.8, 3.5, 5.0]
    assert amends(env, "pulse", "show", "999").returncode == 2


def test_draft_update_usage_errors(env: dict[str, str]) -> None:
    neither = amends(env, "draft")
    assert neither.returncode == 2 and "give an incident file, or --update CASE" in neither.stderr
    both = amends(env, "draft", "examples/incidents/missed-delivery-b2b.yaml", "--update", "1")
    assert both.returncode == 2
    bad_day = amends(env, "draft", "--update", "1", "--as-of", "soon")
    assert bad_day.returncode == 2 and "'soon' is not a date" in bad_day.stderr
    missing = amends(env, "draft", "--update", "999")
    assert missing.returncode == 2 and "case 999 does not exist" in missing.stderr


def test_the_example_arc_loads_and_its_update_drafts_from_the_ledger(env: dict[str, str]) -> None:
    ran = amends(env, "pulse", "arc", "cartons-late")
    assert ran.returncode == 0, ran.stderr
    assert "loaded the arc 'cartons-late' into case 1" in ran.stdout
    shown = amends(env, "pulse", "show", "1")
    assert shown.returncode == 0 and len(shown.stdout.splitlines()) >= 5
    assert amends(env, "pulse", "arc", "no-such-arc").returncode == 2
    # the ledger as it stands at the end of the story: all done, the refund late, and said so
    update = amends(env, "draft", "--update", "1", "--as-of", "2026-12-07")
    assert update.returncode == 0, update.stderr
    assert "It was due on 20 November 2026, so it came later than we told you." in update.stdout
    assert "Every commitment in the ledger is now done or closed." in update.stdout
