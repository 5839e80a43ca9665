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


GOOD_LETTER = """Dear Ana,

On Tuesday night our deployment deleted 412 of your team's invoices from the Ledgerline workspace, and your finance staff spent Wednesday re-keying them by hand instead of closing the month.
That happened because I approved a migration script that we had only tested on an empty database.
I am sorry. It was our mistake, and it cost your people a full day.
What would a good outcome look like for your team from here? I would like to hear it from you on a call this week, at a time that suits you.
Dmitri Bello, our head of platform, has restored all 412 invoices from Monday's backup, and by 14 March every migration will run against a copy of real data before it reaches customers.
I will send you the test report for that change on 14 March.
Kind regards,
Jonas Weber
"""


def test_a_clearly_good_letter_shows_its_earn_elements_and_no_invented_name_them() -> None:
    report = score(GOOD_LETTER)
    present = {name: evidence.present for name, evidence in report.earn.items()}
    assert present == {
        "expose_impact": True,
        "expose_cause": True,
        "ask": True,
        "rebuild_specific": True,
        "name_them": False,  # "our deployment deleted 412 of your team's invoices" is harm, not credit
    }, report.earn
    assert not [f for f in report.flags if f.severity == "error"], report.flags


def test_harm_done_to_their_team_is_not_taken_as_recognition_by_the_rules() -> None:
    report = score(GOOD_LETTER, detectors=("rule",))
    assert not report.earn["name_them"].present, report.earn["name_them"]


def _small_letter_sets(tmp_path: Path) -> Path:
    """Two writers' worth of letters (eight each), in the corpus format, for a quick training."""
    from assistant.learned.data import LETTERS_DIR

    letters = tmp_path / "letters"
    for writer in ("w1", "w2"):
        source, target = LETTERS_DIR / writer, letters / writer
        (target / "raw").mkdir(parents=True)
        keep = sorted(p.stem for p in (source / "raw").glob("*.txt"))[:8]
        for stem in keep:
            shutil.copy(source / "raw" / f"{stem}.txt", target / "raw")
        for name in ("labels.jsonl", "docs.jsonl"):
            rows = [
                line
                for line in (source / name).read_text(encoding="utf-8").splitlines()
                if json.loads(line)["doc"] in keep
            ]
            (target / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return letters


# A corpus-format set in the repo stands in for ../shared/corpus, so the test needs nothing beside
# the checkout.
SMALL_CORPUS = Path(__file__).resolve().parents[2] / "benchmarks" / "independent-c"


@pytest.mark.slow
def test_training_is_deterministic_and_the_heads_name_their_data(tmp_path: Path) -> None:
    letters = _small_letter_sets(tmp_path)
    outputs = []
    for run_number in (1, 2):
        out = tmp_path / f"heads-{run_number}"
        result = subprocess.run(
            [sys.executable, "-m", "assistant.cli", "train", "--letters", str(letters),
             "--corpus", str(SMALL_CORPUS), "--out", str(out)],
            capture_output=True, text=True, timeout=600,
        )
        assert result.returncode == 0, result.stderr
        assert "thresholds:" in result.stdout and "sha256" in result.stdout
        outputs.append(((out / "sentence_model.npz").read_bytes(),
                        (out / "sentence_model.json").read_bytes()))
    assert outputs[0] == outputs[1], "same data and settings must give byte-identical heads"
    heads = load_heads(tmp_path / "heads-1")
    assert heads.meta["trained_on"]["groups"] == {"independent-c": 20, "w1": 8, "w2": 8}
    assert heads.meta["threshold_groups"] == ["w1", "w2"]
    assert set(heads.meta["earn_combiner"]) == {
        "expose_impact", "expose_cause", "ask", "rebuild_specific", "name_them"
    }


def test_shipped_heads_were_trained_without_the_blind_letters() -> None:
    meta = load_heads().meta
    assert not [g for g in meta["trained_on"]["groups"] if g.startswith("blind")]
    assert not [g for g in meta["threshold_groups"] if g.startswith("blind")]


def test_scoring_with_the_model_imports_neither_litellm_nor_streamlit_nor_torch() -> None:
    code = (
        "import sys; from assistant.scoring import score; "
        "r = score('We regret any concern this may have caused.'); "
        "assert [i.name for i in r.detectors] == ['rule', 'model'], r.detectors; "
        "print(sorted(m for m in ('litellm', 'streamlit', 'torch', 'instructor', 'wordllama') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
