"""The detectors on the app's pages: each flag's sources as badges, the model's confidence and its
"reads like" examples, notes when a detector fell back, and the Settings choice (rules, model,
judge with a model string) that the Check and Draft pages score with. The judge is a real litellm
call to the loopback OpenAI-compatible server from the drafting tests."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.learned.heads import HEADS_DIR
from tests.app.conftest import new_app, open_page, page_text, plain
from tests.drafting.fault_server import FaultServer, ok

# A self-focused boast only the learned model catches, and a regret the rules and model share.
LETTER = (
    "Our platform has been trusted by thousands of firms for more than a decade.\n"
    "We sincerely regret any concern this may have caused.\n"
    "On 3 May our deploy deleted 412 of your invoices; Priya Shah restored them by 16:00.\n"
)


def expander_text(at: AppTest, needle: str) -> str:
    """Everything inside the first flag expander whose title holds ``needle``."""
    box = next(e for e in at.expander if needle in e.label)
    return plain("\n".join([*(m.value for m in box.markdown), *(c.value for c in box.caption)]))


def choose_detectors(at: AppTest, *names: str, judge: str = "") -> AppTest:
    """On Settings, pick detectors (and a judge model) as a user would."""
    at.switch_page("app_pages/settings.py").run()
    at.button_group(key="settings.detector_pick").set_value(list(names)).run()
    if judge:
        at.text_input(key="settings.judge_input").input(judge).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_check_shows_each_flags_sources_confidence_and_reads_like(app_env: Path) -> None:
    at = open_page("check")
    at.text_area(key="c.text").input(LETTER).run()
    assert not at.exception
    labels = [e.label for e in at.expander]
    # the regret sentence: one flag, found by the rules and the model
    assert any("regret any concern" in t and ":gray-badge[rule]" in t
               and ":blue-badge[model]" in t for t in labels), labels
    # the boast: the model alone, with its confidence and the labelled sentences it reads like
    boast = next(t for t in labels if "trusted by thousands" in t)
    assert ":blue-badge[model]" in boast and "badge[rule]" not in boast
    inside = expander_text(at, "trusted by thousands")
    assert "Reads like" in inside and "Cindral" in inside
    assert "span set by the learned model" in inside and "% confident" in inside
    detectors = next(c.value for c in at.caption if c.value.startswith("Detectors:"))
    assert "Rules" in plain(detectors) and "Learned model (1 " in plain(detectors)


def test_rules_only_on_settings_applies_to_check_and_draft(app_env: Path) -> None:
    at = choose_detectors(new_app().run(), "rule")
    assert "Scoring with: Rules." in page_text(at)
    at.switch_page("app_pages/check.py").run()
    at.text_area(key="c.text").input(LETTER).run()
    labels = [e.label for e in at.expander]
    assert labels and all("badge[model]" not in t for t in labels)
    assert not any("trusted by thousands" in t for t in labels)
    at.switch_page("app_pages/draft.py").run()
    at.text_area(key="d.body").input(LETTER).run()
    assert not at.exception
    assert "Detectors: Rules" in "\n".join(plain(c.value) for c in at.caption)
    assert all("badge[model]" not in e.label for e in at.expander)


def test_a_broken_model_file_is_a_visible_warning(
    app_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "heads"
    shutil.copytree(HEADS_DIR, broken)
    (broken / "sentence_model.npz").write_bytes(b"not a zip file at all")
    monkeypatch.setenv("AMENDS_HEADS", str(broken))
    at = open_page("check")
    at.text_area(key="c.text").input(LETTER).run()
    assert not at.exception
    warnings = "\n".join(plain(w.value) for w in at.warning)
    assert "the learned model was skipped" in warnings
    assert at.expander, "the rules' flags still show"


def test_the_judge_needs_a_model_and_says_so(app_env: Path) -> None:
    at = choose_detectors(new_app().run(), "rule", "judge")
    assert "The judge is chosen but has no model" in page_text(at)
    at.switch_page("app_pages/check.py").run()
    at.text_area(key="c.text").input(LETTER).run()
    assert "the judge was not run: choose its model on the Settings page" in "\n".join(
        plain(w.value) for w in at.warning
    )


@pytest.fixture
def judge_server(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultServer]:
    server = FaultServer().start()
    monkeypatch.setenv("AMENDS_API_BASE", server.url)
    monkeypatch.setenv("AMENDS_TIMEOUT", "10")
    monkeypatch.setenv("AMENDS_MAX_RETRIES", "0")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-judge-never-shown")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    yield server
    server.stop()


def test_the_judge_runs_with_its_model_and_its_flags_carry_a_reason(
    judge_server: FaultServer,
) -> None:
    answer = {"labelled": [{"index": 2, "labels": ["defensive"],
                            "reason": "It hides the apology behind the fix."}]}
    judge_server.plan(ok(json.dumps(answer)))
    at = choose_detectors(new_app().run(), "rule", "judge", judge="openai/fake-judge")
    at.switch_page("app_pages/check.py").run()
    at.text_area(key="c.text").input(LETTER).run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert len(judge_server.requests) == 1, "one call for the letter, then the cache"
    judged = next(e.label for e in at.expander if "badge[judge]" in e.label)
    assert "deleted 412 of your invoices" in judged
    inside = expander_text(at, "badge[judge]")
    assert "The judge's reason." in inside and "hides the apology" in inside
    assert "Detectors: Rules · LLM judge (openai/fake-judge" in "\n".join(
        plain(c.value) for c in at.caption
    )
    assert "sk-test-judge" not in page_text(at)


def test_a_failing_judge_leaves_the_other_flags_and_a_warning(judge_server: FaultServer) -> None:
    judge_server.plan(("status", (500, {})))
    at = choose_detectors(new_app().run(), "rule", "judge", judge="openai/fake-judge")
    at.switch_page("app_pages/check.py").run()
    at.text_area(key="c.text").input(LETTER).run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    warnings = "\n".join(plain(w.value) for w in at.warning)
    assert "the judge (openai/fake-judge) was skipped" in warnings
    assert any("regret any concern" in e.label for e in at.expander)
