"""The detector pipeline: rules and the learned model over the same sentences, merged per sentence
and category; switches per run and per project; the shipped model files checked, and a broken one
falling back to the rules with a warning instead of a crash."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.learned.heads import HEADS_DIR, get_model, load_heads
from assistant.rubric import load_rubric_set
from assistant.scoring import merge_flags, parse_detectors, score

# Two faults that no stock phrase list catches, and one owned, specific sentence.
LETTER = (
    "Our platform has been trusted by thousands of firms for more than a decade.\n"
    "We sincerely regret any concern this may have caused.\n"
    "On 3 May our deploy deleted 412 of your invoices; Priya Shah restored them by 16:00.\n"
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AMENDS_DETECTORS", raising=False)
    monkeypatch.delenv("AMENDS_HEADS", raising=False)


def test_default_pipeline_runs_rules_and_model_and_names_the_model_version() -> None:
    report = score(LETTER)
    names = [info.name for info in report.detectors]
    assert names == ["rule", "model"]
    model = report.detectors[1]
    assert model.version and len(model.sha256) == 64
    assert model.sha256 == load_heads().sha256


def test_rules_only_and_model_only_are_selectable() -> None:
    rules_only = score(LETTER, detectors=("rule",))
    assert rules_only.flags and all(f.source == "rule" for f in rules_only.flags)
    assert [i.name for i in rules_only.detectors] == ["rule"]
    model_only = score(LETTER, detectors=("model",))
    assert all(f.source == "model" and f.rule.startswith("model.") for f in model_only.flags)


def test_model_flags_are_whole_sentences_that_explain_themselves() -> None:
    report = score(LETTER, detectors=("model",))
    assert report.flags, "the model should flag the regret-for-concern sentence"
    for flag in report.flags:
        sentence = report.sentences[flag.sentence]
        assert (flag.start, flag.end) == (sentence.start, sentence.end)
        assert LETTER[flag.start : flag.end] == flag.match
        assert 0 < flag.confidence <= 1 and flag.severity == "warning"
        assert flag.similar, "a model flag names the labelled sentences it reads like"
        assert flag.message and flag.suggestion


def test_a_sentence_shows_one_flag_per_category_listing_every_source() -> None:
    report = score(LETTER)
    keys = [(f.sentence, f.category) for f in report.flags if "model" in f.sources]
    assert len(keys) == len(set(keys))
    rule_flag = next(f for f in score(LETTER, detectors=("rule",)).flags)
    model_twin = rule_flag.model_copy(update={"source": "model", "sources": ("model",)})
    merged = merge_flags([rule_flag], [model_twin])
    assert len(merged) == 1 and merged[0].sources == ("rule", "model")
    assert merged[0].start == rule_flag.start  # the rule's precise span is kept


def test_disabling_a_category_silences_the_model_for_it_too() -> None:
    rubrics = load_rubric_set(disable=["defensive"])
    report = score(LETTER, rubrics)
    assert all(f.category != "defensive" for f in report.flags)


def test_parse_detectors_accepts_lists_and_aliases_and_rejects_typos() -> None:
    assert parse_detectors(["model,rules"]) == ("rule", "model")
    assert parse_detectors(["rules", "judge"]) == ("rule", "judge")
    with pytest.raises(ValueError, match="unknown detector 'modle'"):
        parse_detectors(["rules,modle"])


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_detectors_switch_and_json_keeps_existing_keys(tmp_path: Path, capsys) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(LETTER, encoding="utf-8")
    _, out, _ = run(["check", "--format", "json", "--detectors", "rules", str(draft)], capsys)
    data = json.loads(out)["files"][0]
    old_keys = {"rule", "category", "severity", "message", "suggestion", "start", "end",
                "line", "column", "match", "sentence"}
    assert data["flags"] and all(old_keys <= set(f) for f in data["flags"])
    assert {"scores", "earn", "earn_evidence", "trust", "sentences"} <= set(data)
    assert [d["name"] for d in data["detectors"]] == ["rule"]
    _, out, _ = run(["check", "--format", "json", str(draft)], capsys)
    assert [d["name"] for d in json.loads(out)["files"][0]["detectors"]] == ["rule", "model"]


def test_project_config_chooses_detectors(tmp_path: Path, capsys) -> None:
    (tmp_path / ".amends.toml").write_text('detectors = ["rules"]\n', encoding="utf-8")
    draft = tmp_path / "draft.txt"
    draft.write_text(LETTER, encoding="utf-8")
    _, out, _ = run(["check", "--format", "json", str(draft)], capsys)
    assert [d["name"] for d in json.loads(out)["files"][0]["detectors"]] == ["rule"]
    code, _, err = run(["check", "--detectors", "rules,oracle", str(draft)], capsys)
    assert code == 2 and "unknown detector 'oracle'" in err


def test_rules_command_lists_the_detectors(capsys) -> None:
    code, out, _ = run(["rules"], capsys)
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("detector ")]
    assert [line.split()[1] for line in lines] == ["rules", "model", "judge"]
    assert "version" in lines[1] and " on " in lines[1]


def _broken_heads(tmp_path: Path, how: str) -> Path:
    folder = tmp_path / f"heads-{how}"
    shutil.copytree(HEADS_DIR, folder)
    npz, meta = folder / "sentence_model.npz", folder / "sentence_model.json"
    if how == "missing":
        npz.unlink()
    elif how == "corrupt":
        npz.write_bytes(b"not a zip file at all")
    elif how == "mismatched":
        data = json.loads(meta.read_text(encoding="utf-8"))
        data["vocabulary"] = data["vocabulary"][:-5]
        meta.write_text(json.dumps(data), encoding="utf-8")
    return folder


@pytest.mark.parametrize("how", ["missing", "corrupt", "mismatched"])
def test_a_broken_model_file_falls_back_to_the_rules_with_a_warning(tmp_path: Path, how: str) -> None:
    folder = _broken_heads(tmp_path, how)
    draft = tmp_path / "draft.txt"
    draft.write_text("We are sorry if anyone was upset by the outage.\n", encoding="utf-8")
    env = {**__import__("os").environ, "AMENDS_HEADS": str(folder)}
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "check", "--format", "json", str(draft)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 1, result.stderr  # the rules' error flag still decides
    assert "warning: scoring with the rules only" in result.stderr
    assert "sentence_model" in result.stderr and "Fix:" in result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)["files"][0]
    assert [d["name"] for d in data["detectors"]] == ["rule"]


def test_library_callers_get_a_note_instead_of_a_crash(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AMENDS_HEADS", str(_broken_heads(tmp_path, "corrupt")))
    report = score(LETTER)
    assert [i.name for i in report.detectors] == ["rule"]
    assert report.notes and "learned model was skipped" in report.notes[0]


def test_re_scoring_after_an_edit_reuses_cached_sentences() -> None:
    model = get_model()
    score(LETTER)
    cached = len(model._cache)
    score(LETTER + "One more sentence was added.\n")
    assert len(model._cache) == cached + 1
