"""The store: cases, facts, versions and scores in a real SQLite file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from assistant.errors import StorageError
from assistant.scoring import score
from assistant.storage import Store, redact_url


def test_cases_and_versions_persist_across_connections(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    first = Store(url)
    case = first.create_case("Outage", {"title": "Outage", "impacts": "a\nb"})
    first.update_case(case.id, facts={"title": "Outage", "impacts": "a\nb\nc"})
    report = score("We will do better.")
    v1 = first.add_version(case.id, "We will do better.", source="edited", report=report)
    assert v1 is not None and v1.number == 1
    assert v1.scores["overall"] == report.scores.overall
    assert v1.scores["flags"] == len(report.flags)
    first.dispose()

    second = Store(url)
    reopened = second.get_case(case.id)
    assert reopened.facts["impacts"] == "a\nb\nc"
    assert reopened.version_count == 1 and reopened.latest == v1
    second.dispose()


def test_identical_versions_are_not_repeated(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'b.db'}")
    case = store.create_case("")
    assert case.title.startswith("Untitled ")
    assert store.add_version(case.id, "text", source="edited") is not None
    assert store.add_version(case.id, "text", source="edited") is None
    assert store.add_version(case.id, "text", source="edited", subject="new") is not None
    assert [v.number for v in store.versions(case.id)] == [1, 2]


def test_duplicate_export_and_delete_cascade(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    case = store.create_case("Late filing", {"title": "Late filing"}, parts={"ask": {"q": 1}})
    store.add_version(case.id, "v1", source="generated", model="offline")
    store.add_version(case.id, "v2", source="edited")
    copy = store.duplicate_case(case.id)
    assert copy.title == "Copy of Late filing" and copy.parts == {"ask": {"q": 1}}
    assert copy.latest is not None and copy.latest.body == "v2" and copy.version_count == 1

    exported = store.export_case(case.id)
    assert [v["body"] for v in exported["versions"]] == ["v1", "v2"]
    assert exported["facts"] == {"title": "Late filing"}

    store.delete_case(case.id)  # soft: gone from lists, restorable for 30 days
    assert store.find_case(case.id) is None
    assert case.id not in [c.id for c in store.list_cases()]
    assert store.find_case(copy.id) is not None
    with pytest.raises(StorageError, match=r"does not exist: it was deleted on .* until"):
        store.add_version(case.id, "v3", source="edited")
    assert [c.id for c in store.deleted_cases()] == [case.id]
    restored = store.restore_case(case.id)
    assert restored.deleted_at is None and restored.version_count == 2

    store.delete_case(case.id)
    deleted = store.deleted_cases()[0]
    until = deleted.restorable_until()
    assert until is not None and deleted.deleted_at is not None
    assert until - deleted.deleted_at == timedelta(days=30)
    assert store.purge_deleted(now=until - timedelta(minutes=1)) == 0
    assert store.purge_deleted(now=until + timedelta(minutes=1)) == 1
    assert store.deleted_cases() == [] and store.versions(case.id) == []
    with pytest.raises(StorageError, match=f"case {case.id} does not exist"):
        store.restore_case(case.id)


def test_list_is_most_recent_first_and_filters_by_kind(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'd.db'}")
    a = store.create_case("A")
    b = store.create_case("B", kind="check")
    store.add_version(a.id, "touch a", source="edited")
    assert [c.id for c in store.list_cases()] == [a.id, b.id]
    assert [c.id for c in store.list_cases(kind="check")] == [b.id]
    with pytest.raises(StorageError):
        store.create_case("x", kind="nonsense")


def test_unusable_database_is_a_storage_error_without_password(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as err:
        Store(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    assert "cannot open the database" in str(err.value)
    assert "s3cret" not in redact_url("postgresql://amends:s3cret@db.example/amends")


def test_a_missing_case_is_one_error_whatever_the_operation(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'e.db'}")
    for attempt in (
        lambda: store.get_case(404),
        lambda: store.update_case(404, title="x"),
        lambda: store.delete_case(404),
        lambda: store.add_version(404, "text", source="edited"),
    ):
        with pytest.raises(StorageError, match="case 404 does not exist"):
            attempt()
    assert store.find_case(404) is None


def test_edits_typed_in_one_sitting_are_one_version(tmp_path: Path) -> None:
    """The app saves as the user types; pauses in typing must not flood History."""
    store = Store(f"sqlite:///{tmp_path / 'f.db'}")
    case = store.create_case("Typing")
    store.add_version(case.id, "Generated text.", source="generated")
    for body in ("Generated text. I", "Generated text. I am", "Generated text. I am sorry."):
        store.add_version(case.id, body, source="edited", merge_within=60)
    versions = store.versions(case.id)
    assert [(v.number, v.source, v.body) for v in versions] == [
        (1, "generated", "Generated text."),
        (2, "edited", "Generated text. I am sorry."),
    ]
    assert versions[1].scores == {}
    # without merging (or after a machine-made version) each edit is its own version
    store.add_version(case.id, "Composed.", source="composed")
    store.add_version(case.id, "Composed. Edited.", source="edited", merge_within=60)
    store.add_version(case.id, "Composed. Edited twice.", source="edited")
    assert [v.source for v in store.versions(case.id)] == [
        "generated", "edited", "composed", "edited", "edited"
    ]
