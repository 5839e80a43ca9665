"""Make ``release-0.1.0.db``: a database file written by the released storage code (commit a92ae99).

The migration test upgrades a copy of it, so it must stay as that release wrote it; re-running
this script with today's code would write a migrated file instead. Run from the checkout:
``PYTHONPATH=. python tests/data/make_release_db.py`` (it replaces the file).
"""

from __future__ import annotations

from pathlib import Path

from assistant.storage import Store

OUT = Path(__file__).resolve().parent / "release-0.1.0.db"


def main() -> None:
    OUT.unlink(missing_ok=True)
    store = Store(f"sqlite:///{OUT}")
    facts = {
        "title": "Payroll outage on pay day",
        "what_happened": "Our platform was down from 07:10 to 13:25 on your pay day.",
        "impacts": ["412 staff paid three days late"],
        "approved_actions": [
            {"what": "Automate certificate renewal", "owner": "Priya Shah",
             "due": "2026-12-18", "checkpoint": "renewal log shared with you"},
        ],
        "must_not_say": ["liable"],
    }
    parts = {
        "rebuild": {
            "actions": [{"what": "Automate certificate renewal", "owner": "Priya Shah",
                         "due": "2026-12-18", "checkpoint": "renewal log shared with you"}],
            "review_cadence": "a weekly update until done",
        }
    }
    scores = {"overall": 71, "defensive": 80, "vague_promise": 60, "self_orientation": 75,
              "trust": 64, "flags": 2, "by_category": {"vague_promise": 2}, "earn": ["ask"]}
    payroll = store.create_case("Payroll outage on pay day", facts, parts=parts)
    bodies = {
        "generated": "Dear Sam,\n\nOur platform was down on your pay day. I am sorry.",
        "composed": "Dear Sam,\n\nOur platform was down from 07:10 to 13:25. I am sorry.",
        "edited": "Dear Sam,\n\nOur platform was down from 07:10 to 13:25 on pay day. I am sorry.",
        "revised": "Dear Sam,\n\nWe took your payroll down for six hours. I am sorry.",
        "saved": "Dear Sam,\n\nWe took your payroll down for six hours. I am sorry. Priya",
    }
    for source, body in bodies.items():
        store.add_version(payroll.id, body, source=source, subject="Your payroll on Friday",
                          model="offline", scores=scores)
    store.update_case(payroll.id, title="Payroll outage on pay day (edited)",
                      facts={**facts, "when": "Friday 6 November"})
    check = store.create_case("Pasted letter", kind="check")
    store.add_version(check.id, "We apologise for any inconvenience caused.", source="uploaded",
                      scores={"overall": 40, "flags": 1})
    store.duplicate_case(payroll.id)
    store.create_case("Facts only, no draft yet", {"title": "Facts only"})
    store.dispose()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
