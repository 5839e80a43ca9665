"""Broken or hostile rubric files get an error naming file, line and field, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli import main
from assistant.errors import RubricError
from assistant.rubric import load_rubric_set
from assistant.scoring import score

GOOD_RULE = """\
  - id: house.rule
    title: A rule
    severity: warning
    message: Why it hurts.
    suggestion: What to write.
    {trigger}
    examples:
      flag: ["a"]
      pass: ["b"]
"""


def rubric(tmp_path: Path, body: str, name: str = "house.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def header(rules: str) -> str:
    return f"id: house\ntitle: House\ncategory: defensive\nrules:\n{rules}"


def test_invalid_yaml_names_file_line_and_column(tmp_path: Path) -> None:
    path = rubric(tmp_path, "id: house\ntitle: [unclosed\nrules: []\n")
    with pytest.raises(RubricError, match=rf"{path}:3:\d+: invalid YAML"):
        load_rubric_set(extra=[path])


def test_bad_severity_names_the_field_and_its_line(tmp_path: Path) -> None:
    body = header(GOOD_RULE.format(trigger='phrases: ["x"]').replace("warning", "fatal"))
    path = rubric(tmp_path, body)
    with pytest.raises(RubricError) as caught:
        load_rubric_set(extra=[path])
    assert f"{path}:7: rule 'house.rule', field 'rules.0.severity'" in str(caught.value)


def test_missing_field_points_at_the_rule(tmp_path: Path) -> None:
    body = header(
        GOOD_RULE.format(trigger='phrases: ["x"]').replace("    message: Why it hurts.\n", "")
    )
    path = rubric(tmp_path, body)
    with pytest.raises(RubricError, match=rf"{path}:5: rule 'house.rule', field 'rules.0.message': Field required"):
        load_rubric_set(extra=[path])


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    body = header(GOOD_RULE.format(trigger='phrases: ["x"]\n    sevrity: error'))
    with pytest.raises(
        RubricError, match=r"field 'rules.0.sevrity': Extra inputs are not permitted"
    ):
        load_rubric_set(extra=[rubric(tmp_path, body)])


def test_both_or_neither_trigger_is_rejected(tmp_path: Path) -> None:
    body = header(GOOD_RULE.format(trigger='phrases: ["x"]\n    pattern: "y"'))
    with pytest.raises(RubricError, match="exactly one of 'phrases'"):
        load_rubric_set(extra=[rubric(tmp_path, body)])


def test_lookbehind_is_refused_with_the_rule_named(tmp_path: Path) -> None:
    body = header(GOOD_RULE.format(trigger='pattern: "(?<=we )failed"'))
    with pytest.raises(
        RubricError, match=r"rule 'house.rule', trigger: invalid regular expression"
    ):
        load_rubric_set(extra=[rubric(tmp_path, body)])


def test_unknown_named_pattern_is_refused(tmp_path: Path) -> None:
    body = header(GOOD_RULE.format(trigger='phrases: ["x"]\n    unless: ["@no_such"]'))
    with pytest.raises(RubricError, match="unknown named pattern '@no_such'"):
        load_rubric_set(extra=[rubric(tmp_path, body)])


def test_duplicate_rule_id_is_refused(tmp_path: Path) -> None:
    body = header(
        GOOD_RULE.format(trigger='phrases: ["x"]').replace(
            "house.rule", "defensive.conditional-apology"
        )
    )
    with pytest.raises(RubricError, match="already used"):
        load_rubric_set(extra=[rubric(tmp_path, body)])


def test_catastrophic_backtracking_pattern_runs_in_linear_time(tmp_path: Path) -> None:
    """(a+)+$ hangs a backtracking engine on 'aaaa…b'; RE2 answers at once (pytest-timeout guards)."""
    body = header(GOOD_RULE.format(trigger='pattern: "(a+)+$"').replace('["b"]', '["a b"]'))
    rubrics = load_rubric_set(extra=[rubric(tmp_path, body)])
    hostile = "a" * 50_000 + "b"
    report = score(hostile, rubrics)
    assert not [f for f in report.flags if f.rule == "house.rule"]
    assert [f for f in score("aaaa", rubrics).flags if f.rule == "house.rule"]


@pytest.mark.timeout(60)
def test_nested_quantifier_on_words_stays_fast(tmp_path: Path) -> None:
    body = header(GOOD_RULE.format(trigger=r'pattern: "^(\\w+\\s?)*$"'))
    rubrics = load_rubric_set(extra=[rubric(tmp_path, body)])
    score("word " * 20_000 + "!", rubrics)


def test_cli_reports_broken_rubric_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = rubric(tmp_path, "id: house\n  title: bad: indent\n")
    draft = tmp_path / "d.txt"
    draft.write_text("We are sorry.\n", encoding="utf-8")
    code = main(["check", "--rubric", str(path), str(draft)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}:2:" in err and "invalid YAML" in err and "Traceback" not in err


def test_rubric_cache_notices_an_edited_file(tmp_path: Path) -> None:
    path = rubric(tmp_path, header(GOOD_RULE.format(trigger='phrases: ["zebra"]')))
    assert load_rubric_set(extra=[path]).rule("house.rule")
    path.write_text(
        header(
            GOOD_RULE.format(trigger='phrases: ["zebra"]').replace("house.rule", "house.renamed")
        )
    )
    import os

    os.utime(path, ns=(1, 1))
    assert load_rubric_set(extra=[path]).rule("house.renamed")
