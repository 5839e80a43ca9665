"""The Pulse page through AppTest: survey to send, answers entered and imported (bad ones named,
nothing lost), the chart beside the ledger and letters, the example arc, and Draft an update."""

from __future__ import annotations

from pathlib import Path

from assistant.pulse import pulses
from assistant.storage import Store
from tests.app.conftest import errors, open_page, page_text
from tests.conftest import both_databases

# Storage-facing: run on SQLite and on the suite's PostgreSQL server alike.
pytestmark = both_databases

ROOT = Path(__file__).resolve().parents[2]
ARC_CSV = ROOT / "examples" / "arcs" / "cartons-late" / "pulses.csv"


def _arc(store: Store) -> int:
    from assistant.arc import arc_folder, load_into_store

    return load_into_store(store, arc_folder("cartons-late"))


def test_no_case_yet_offers_the_example_arc(store: Store) -> None:
    at = open_page("pulse")
    assert "No case yet" in page_text(at)
    at.button(key="p.arc").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Loaded the example arc as case #1." in page_text(at)
    assert len(pulses(store, 1)) == 3
    assert at.query_params["case"] == ["1"] or at.query_params["case"] == "1"


def test_the_survey_to_send_is_plain_text(store: Store) -> None:
    store.create_case("Cartons late")
    at = open_page("pulse")
    survey_text = at.code[0].value
    assert "What would good look like from here?" in survey_text
    assert "1. What they tell us about the problem" in survey_text
    assert at.download_button(key="p.survey_txt") is not None


def test_answers_out_of_range_are_named_and_nothing_is_saved(store: Store) -> None:
    case = store.create_case("Cartons late")
    at = open_page("pulse", case=str(case.id))
    for number, box in enumerate(at.number_input):
        box.set_value(9 if number == 1 else 5)
    at.text_area(key="p.open").input("Dates we can plan around")
    at.button(key="FormSubmitter:p.entry-Save these answers").click().run()
    message = errors(at)
    assert "Nothing was saved" in message
    assert "statement 2 (reliability): 9 is outside 1-7" in message
    assert pulses(store, case.id) == []
    assert at.text_area(key="p.open").value == "Dates we can plan around"  # nothing typed is lost
    at.number_input[1].set_value(3)
    at.button(key="FormSubmitter:p.entry-Save these answers").click().run()
    assert not at.error and "Saved the answers of" in page_text(at)
    (saved,) = pulses(store, case.id)
    assert saved.ratings["reliability"] == 3 and saved.open_answer == "Dates we can plan around"


def test_a_missing_rating_is_named(store: Store) -> None:
    case = store.create_case("Cartons late")
    at = open_page("pulse", case=str(case.id))
    at.button(key="FormSubmitter:p.entry-Save these answers").click().run()
    assert "statement 1 (credibility): no rating" in errors(at)


def test_csv_import_with_missing_columns_is_named_then_a_good_one_imports(store: Store) -> None:
    case = store.create_case("Cartons late")
    at = open_page("pulse", case=str(case.id))
    at.file_uploader(key="p.upload").set_value(
        ("answers.csv", b"date,moment,credibility\n2026-11-12,end,4\n", "text/csv")).run()
    assert "missing columns 'reliability'" in errors(at)
    assert pulses(store, case.id) == []
    at.file_uploader(key="p.upload").set_value(
        ("pulses.csv", ARC_CSV.read_bytes(), "text/csv")).run()
    assert not at.exception and "Imported 3 pulse(s) from pulses.csv." in page_text(at)
    at.run()  # a rerun does not import the same file twice
    assert len(pulses(store, case.id)) == 3


def test_the_chart_shows_each_dimension_beside_the_ledger_and_letters(store: Store) -> None:
    case_id = _arc(store)
    at = open_page("pulse", case=str(case_id))
    text = page_text(at)
    assert "Trust is coming back: mean 3.4 -> 5.1 of 7 over 3 pulses." in text
    assert "Lagging: Reliability at 4.0" in text
    charts = at.get("vega_lite_chart")
    specs = [str(c.proto.spec) for c in charts]
    assert len(specs) == 3, specs
    assert "Trust per dimension" in specs[0] and "The ledger on each pulse" in specs[1]
    assert "The latest letter" in specs[2]
    assert "24 Nov" in specs[0] and "checkpoint" in specs[0]  # the x axis: date and moment
    tables = at.dataframe
    letter_table = tables[0].value
    # each pulse came after one letter of the arc: the first, then each update
    letters = [float(v.scores["overall"]) for v in store.versions(case_id)]
    assert len(letters) == 3 and list(letter_table["letter score"]) == letters


def test_draft_an_update_writes_the_next_letter_from_the_ledger(store: Store) -> None:
    case_id = _arc(store)
    (refund,) = [e for e in store.ledger_entries(case_id=case_id) if "Refund" in e.action]
    store.update_ledger_entry(refund.id, actor="Lucy Grant", status="missed",
                              reason="we sent the refund request to the wrong approver")
    before = len(store.versions(case_id))
    at = open_page("pulse", case=str(case_id))
    at.button(key="p.update").click().run()
    assert not at.exception, [e.value for e in at.exception]
    body = at.text_area(key="p.update_body").value or ""
    assert body.startswith("Dear Peter Novak,")
    assert "and we missed that date" in body and "That is on us: we sent the refund" in body
    assert "saved as the case's latest version" in page_text(at)
    assert len(store.versions(case_id)) == before + 1
    assert store.versions(case_id)[-1].body == body
    at.button(key="p.update").click().run()  # the same ledger again: nothing new to save
    assert "nothing new was saved" in page_text(at)
    assert len(store.versions(case_id)) == before + 1


def test_draft_an_update_without_ledger_entries_says_why(store: Store) -> None:
    from assistant.arc import arc_folder, incident_data
    from assistant.forms import form_from_incident

    case = store.create_case("Cartons late", form_from_incident(incident_data(arc_folder(
        "cartons-late"))))
    at = open_page("pulse", case=str(case.id))
    at.button(key="p.update").click().run()
    assert not at.exception
    assert "the ledger holds no entries for this case" in errors(at)
    assert store.versions(case.id) == []
