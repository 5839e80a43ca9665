"""The survey questions are data: the bundled file, an organisation's own copy, precise errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.errors import ConfigError
from assistant.survey import DIMENSIONS, load_survey, plain_text, survey_path

BUNDLED = Path(__file__).resolve().parents[2] / "surveys" / "trust_pulse.yaml"


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "survey.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _bundled_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    return data


def test_bundled_survey_covers_both_models_and_the_open_question() -> None:
    survey = load_survey(BUNDLED)
    assert 5 <= len(survey.items) <= 8
    assert set(survey.dimensions()) == set(DIMENSIONS)
    assert survey.open_question.text == "What would good look like from here?"
    assert (survey.scale.min, survey.scale.max) == (1, 7)
    reversed_items = [i for i in survey.items if i.reversed]
    assert [i.dimension for i in reversed_items] == ["self_orientation"]


def test_reversed_items_are_scored_reversed() -> None:
    survey = load_survey(BUNDLED)
    self_orientation = next(i for i in survey.items if i.dimension == "self_orientation")
    credibility = next(i for i in survey.items if i.dimension == "credibility")
    assert survey.scored(self_orientation, 7) == 1 and survey.scored(self_orientation, 2) == 6
    assert survey.scored(credibility, 7) == 7


def test_the_default_is_the_bundled_file_and_amends_survey_overrides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AMENDS_SURVEY", raising=False)
    assert survey_path().name == "trust_pulse.yaml"
    data = _bundled_data()
    data["items"] = data["items"][:5]
    data["title"] = "House pulse"
    own = _write(tmp_path, data)
    monkeypatch.setenv("AMENDS_SURVEY", str(own))
    survey = load_survey()
    assert survey.title == "House pulse" and len(survey.items) == 5


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(items=d["items"][:4]), "field 'items': List should have at least 5"),
        (lambda d: d["items"][1].update(dimension="warmth"), "field 'items.1.dimension'"),
        (lambda d: d["items"][2].update(id="credibility"), "repeated: credibility"),
        (lambda d: d["items"][0].update(id="date"), "id 'date' is a column the CSV already uses"),
        (lambda d: d.pop("open_question"), "field 'open_question': Field required"),
        (lambda d: d["scale"].update(max=2), "at least three points"),
    ],
)
def test_a_broken_survey_names_the_file_line_and_field(
    tmp_path: Path, change: object, expected: str
) -> None:
    data = _bundled_data()
    change(data)  # type: ignore[operator]
    path = _write(tmp_path, data)
    with pytest.raises(ConfigError) as caught:
        load_survey(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:") and expected in message, message


def test_invalid_yaml_and_a_missing_file_are_plain_messages(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("items: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.yaml:\d+:\d+: invalid YAML"):
        load_survey(bad)
    with pytest.raises(ConfigError, match="cannot read the survey file"):
        load_survey(tmp_path / "missing.yaml")


def test_plain_text_survey_is_ready_to_paste() -> None:
    survey = load_survey(BUNDLED)
    text = plain_text(survey, to="Peter Novak", moment="checkpoint")
    assert text.startswith("Dear Peter Novak,\n")
    assert "(at a checkpoint)" in text
    for number, item in enumerate(survey.items, 1):
        assert f"{number}. {item.statement}" in text
    assert f"{len(survey.items) + 1}. What would good look like from here?" in text
    assert "<" not in text and "*" not in text  # plain text, no markup
