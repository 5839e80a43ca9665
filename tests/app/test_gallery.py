"""The trainers' gallery: every example loads, its incident is valid, good beats poor, and every
good email passes the check it teaches."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.drafting.models import incident_from_data
from assistant.errors import InputError
from assistant.forms import form_from_incident, incident_data
from assistant.gallery import GalleryExample, gallery_dir, load_example, load_gallery
from assistant.models import EARN_ELEMENTS
from assistant.scoring import DEFAULT_DETECTORS, score


def test_every_example_is_valid_and_its_incident_round_trips_through_the_form() -> None:
    examples = load_gallery()
    assert len(examples) >= 5
    assert len({e.id for e in examples}) == len(examples)
    for example in examples:
        incident = incident_from_data(example.incident, example.id)
        again = incident_from_data(incident_data(form_from_incident(example.incident)), example.id)
        assert again == incident, example.id


def test_good_emails_score_at_least_as_well_as_poor_ones() -> None:
    poor_flags = good_flags = 0
    for example in load_gallery():
        poor, good = score(example.poor.body), score(example.good.body)
        assert good.scores.overall >= poor.scores.overall, example.id
        poor_flags += len(poor.flags)
        good_flags += len(good.flags)
    assert poor_flags > good_flags


@pytest.mark.parametrize("example", load_gallery(), ids=lambda e: e.id)
def test_every_good_email_passes_the_check_it_teaches(example: GalleryExample) -> None:
    """Default detectors (rules and the learned model): no error or warning from the rules,
    nothing the model flags, and all five EARN elements. A trainer's good example is clean."""
    report = score(example.good.body, detectors=DEFAULT_DETECTORS)
    assert [i.name for i in report.detectors] == list(DEFAULT_DETECTORS), report.notes
    loud = [(f.rule, f.match) for f in report.flags if f.severity in ("error", "warning")]
    assert not loud, loud
    learned = [(f.rule, f.match) for f in report.flags if "model" in f.sources]
    assert not learned, learned
    missing = [name for name in EARN_ELEMENTS if not report.earn[name].present]
    assert not missing, missing


def test_a_broken_example_names_its_file_and_field(tmp_path: Path) -> None:
    source = next(gallery_dir().glob("*.yaml")).read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(source.replace("sector:", "sectr:", 1), encoding="utf-8")
    with pytest.raises(InputError, match=r"(?s)broken\.yaml: .*sectr: Extra inputs are not permitted"):
        load_example(broken)
