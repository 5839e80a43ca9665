"""`amends check` as a user runs it: real rubric files, real files on disk, stdin, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main

CONDITIONAL = "We are sorry if anyone was upset by the outage.\n"
CLEAN = "On 3 May our deploy deleted your saved reports. I am sorry.\n"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty folder so no project config leaks in."""
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def test_text_output_has_one_line_per_flag_then_a_summary(tmp_path, capsys) -> None:
    path = write(tmp_path, "draft.txt", "Hello.\n" + CONDITIONAL)
    code, out, _ = run(["check", str(path)], capsys)
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"{path}:2:8 error defensive defensive.conditional-apology ")
    assert out.splitlines()[-1].startswith("1 flags (1 errors")


def test_clean_file_exits_zero_and_fail_on_never_ignores_flags(tmp_path, capsys) -> None:
    clean = write(tmp_path, "clean.txt", CLEAN)
    assert run(["check", str(clean)], capsys)[0] == 0
    flagged = write(tmp_path, "flagged.txt", CONDITIONAL)
    assert run(["check", "--fail-on", "never", str(flagged)], capsys)[0] == 0


def test_fail_on_warning_counts_warnings(tmp_path, capsys) -> None:
    path = write(tmp_path, "vague.txt", "We will do better.\n")
    code, out, _ = run(["check", "--format", "json", str(path)], capsys)
    severities = {f["severity"] for f in json.loads(out)["files"][0]["flags"]}
    assert "error" not in severities and severities, out
    assert code == 0
    assert run(["check", "--fail-on", "warning", str(path)], capsys)[0] == 1


def test_json_shape_and_spans_index_the_text_exactly(tmp_path, capsys) -> None:
    text = "Café — “naïve” start 😀.\r\nWe are sorry if you felt let down.\r\n"
    path = write(tmp_path, "unicode.txt", text)
    code, out, _ = run(["check", "--format", "json", str(path)], capsys)
    assert code == 1
    payload = json.loads(out)
    (entry,) = payload["files"]
    assert entry["path"] == str(path)
    assert set(entry["scores"]) >= {"defensive", "vague_promise", "self_orientation", "overall"}
    assert set(entry["earn"]) == {
        "expose_impact",
        "expose_cause",
        "ask",
        "rebuild_specific",
        "name_them",
    }
    assert all(isinstance(v, bool) for v in entry["earn"].values())
    assert entry["flags"]
    for flag in entry["flags"]:
        assert {
            "rule",
            "category",
            "severity",
            "message",
            "suggestion",
            "start",
            "end",
            "line",
            "column",
            "match",
        } <= set(flag)
        assert text[flag["start"] : flag["end"]] == flag["match"]
    assert entry["flags"][0]["match"].lower() == "sorry if"
    assert entry["flags"][0]["line"] == 2


def test_stdin_dash_is_read(capsys, monkeypatch) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "check", "--format", "json", "-"],
        input=CONDITIONAL.encode(),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["files"][0]["path"] == "<stdin>"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "input is empty"),
        (b"   \n\t\n", "input is empty"),
        (b"PK\x03\x04\x00\x00binary", "binary file (NUL byte at offset 4)"),
        (b"line one\nbad \xff byte\n", ":2:5: not valid UTF-8 (byte 0xff at offset 13)"),
    ],
)
def test_bad_inputs_exit_2_with_a_precise_message(tmp_path, capsys, content, expected) -> None:
    path = write(tmp_path, "bad.txt", content)
    code, _, err = run(["check", str(path)], capsys)
    assert code == 2
    assert expected in err
    assert str(path) in err
    assert "Traceback" not in err


def test_huge_file_is_refused_without_reading_it_all(tmp_path, capsys) -> None:
    path = write(tmp_path, "huge.txt", ("We are sorry. " * 400_000).encode())
    code, _, err = run(["check", str(path)], capsys)
    assert code == 2
    assert "over the 1.0 MB limit" in err


def test_missing_file_and_one_good_file_still_reports_the_good_one(tmp_path, capsys) -> None:
    good = write(tmp_path, "good.txt", CONDITIONAL)
    code, out, err = run(["check", str(tmp_path / "missing.txt"), str(good)], capsys)
    assert code == 2
    assert "missing.txt: no such file" in err
    assert f"{good}:1:8 error" in out


def test_folder_is_expanded_to_its_text_files(tmp_path, capsys) -> None:
    folder = tmp_path / "drafts"
    folder.mkdir()
    write(folder, "a.txt", CONDITIONAL)
    write(folder, "b.md", CLEAN)
    write(folder, "ignored.png", b"\x89PNG\x00")
    code, out, _ = run(["check", "--format", "json", str(folder)], capsys)
    assert code == 1
    assert [Path(f["path"]).name for f in json.loads(out)["files"]] == ["a.txt", "b.md"]


def test_no_input_at_all_is_a_usage_error(capsys, monkeypatch) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "check"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
        text=True,
    )
    # /dev/null is not a terminal, so it is read as (empty) stdin
    assert result.returncode == 2
    assert "input is empty" in result.stderr


def test_disable_by_rule_and_by_category(tmp_path, capsys) -> None:
    path = write(tmp_path, "d.txt", CONDITIONAL)
    assert run(["check", "--disable", "defensive.conditional-apology", str(path)], capsys)[0] == 0
    code, out, _ = run(["check", "--format", "json", "--disable", "defensive", str(path)], capsys)
    assert all(f["category"] != "defensive" for f in json.loads(out)["files"][0]["flags"])
    code, _, err = run(["check", "--disable", "no.such.rule", str(path)], capsys)
    assert code == 2 and "unknown rule, category or rubric 'no.such.rule'" in err


HOUSE_RUBRIC = """\
id: house
title: House style
category: self_orientation
rules:
  - id: house.synergy
    title: Jargon
    severity: error
    enabled: false
    message: Jargon puts distance between you and the reader.
    suggestion: Say what you will do in plain words.
    phrases: [synergy+]
    examples:
      flag: ["We will leverage synergies."]
      pass: ["We will call you on Monday."]
"""


def test_user_rubric_rule_off_by_default_is_enabled_by_flag_and_config(tmp_path, capsys) -> None:
    rubric = write(tmp_path, "house.yaml", HOUSE_RUBRIC)
    draft = write(tmp_path, "d.txt", "We see real synergies here.\n")
    assert run(["check", "--rubric", str(rubric), str(draft)], capsys)[0] == 0
    code, out, _ = run(
        ["check", "--rubric", str(rubric), "--enable", "house.synergy", str(draft)], capsys
    )
    assert code == 1 and "house.synergy" in out
    write(
        tmp_path, "pyproject.toml", '[tool.amends]\nrubrics = ["house.yaml"]\nenable = ["house"]\n'
    )
    assert run(["check", str(draft)], capsys)[0] == 1
    assert run(["check", "--no-config", str(draft)], capsys)[0] == 0


def test_dot_amends_toml_disables_and_sets_fail_on(tmp_path, capsys) -> None:
    draft = write(tmp_path, "d.txt", "We will do better.\n")
    write(tmp_path, ".amends.toml", 'fail_on = "warning"\n')
    assert run(["check", str(draft)], capsys)[0] == 1
    write(tmp_path, ".amends.toml", 'fail_on = "warning"\ndisable = ["vague_promise"]\n')
    assert run(["check", str(draft)], capsys)[0] == 0


def test_config_typo_is_named(tmp_path, capsys) -> None:
    draft = write(tmp_path, "d.txt", CLEAN)
    write(tmp_path, ".amends.toml", 'fail-on = "warning"\n')
    code, _, err = run(["check", str(draft)], capsys)
    assert code == 2 and ".amends.toml: fail-on: Extra inputs are not permitted" in err


def test_rules_and_explain_list_the_bundled_rules(capsys) -> None:
    code, out, _ = run(["rules", "--format", "json"], capsys)
    listing = json.loads(out)
    ids = {r["id"] for r in listing["rules"]}
    assert code == 0 and "defensive.conditional-apology" in ids
    code, out, _ = run(["explain", "defensive.conditional-apology"], capsys)
    assert code == 0 and "Why:" in out and "Does not flag:" in out
    code, _, err = run(["explain", "nope"], capsys)
    assert code == 2 and "no rule or check called 'nope'" in err


def test_installed_console_script_runs(tmp_path) -> None:
    path = write(tmp_path, "d.txt", CONDITIONAL)
    result = subprocess.run(
        ["amends", "check", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1, result.stderr
    assert "defensive.conditional-apology" in result.stdout


def test_amends_rubrics_environment_variable_adds_a_rubric(tmp_path, capsys, monkeypatch) -> None:
    rubric = write(tmp_path, "house.yaml", HOUSE_RUBRIC.replace("enabled: false", "enabled: true"))
    draft = write(tmp_path, "d.txt", "We see real synergies here.\n")
    assert run(["check", str(draft)], capsys)[0] == 0
    monkeypatch.setenv("AMENDS_RUBRICS", str(rubric))
    code, out, _ = run(["check", str(draft)], capsys)
    assert code == 1 and "house.synergy" in out
