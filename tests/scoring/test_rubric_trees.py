"""Long regexes written as ``any``/``seq`` trees: readable files, the same compiled patterns.

The shipped rubrics must stay reviewable (no line over 120 characters), every tree must join
back into exactly the regex the rules were tested with (fingerprints recorded from the old
one-line form, before the conversion), and a malformed tree is refused with the file, line,
rule and item named, never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.errors import RubricError
from assistant.patterns import PatternError, regex_source
from assistant.resources import bundled_dir
from assistant.rubric import CompiledMatcher, RubricSet, load_rubric_set
from assistant.scoring import score

MAX_LINE = 120
FIXTURE = Path(__file__).parent / "fixtures" / "compiled_patterns.json"
REPO = Path(__file__).resolve().parents[2]

HEADER = "id: house\ntitle: House\ncategory: defensive\n"
RULE = """\
rules:
  - id: house.rule
    title: A rule
    message: Why it hurts.
    suggestion: What to write.
{trigger}
    examples:
      flag: ["a"]
      pass: ["b"]
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "house.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def load_error(tmp_path: Path, body: str) -> str:
    path = write(tmp_path, body)
    with pytest.raises(RubricError) as caught:
        load_rubric_set(extra=[path])
    return str(caught.value).replace(str(path), "FILE")


# --- the shipped rubrics -------------------------------------------------------------------


def test_no_shipped_rubric_line_is_longer_than_120_characters() -> None:
    files = sorted(bundled_dir("rubrics").glob("*.yaml"))
    assert files
    long = [
        f"{path.name}:{number}: {len(line)} characters"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if len(line) > MAX_LINE
    ]
    assert not long, "split long regexes with any:/seq: (rubrics/README.md):\n" + "\n".join(long)


def fingerprints(rubrics: RubricSet) -> dict[str, str]:
    """A short hash of every rule's and check's compiled trigger and conditions."""

    def sources(matcher: CompiledMatcher) -> list[str]:
        return (
            [rubrics.triggers.sources[matcher.trigger_id]]
            + [rubrics.conditions.sources[i] for i in matcher.requires]
            + ["!" + rubrics.conditions.sources[i] for i in matcher.unless]
        )

    found: dict[str, object] = {c.rule.id: sources(c.matcher) for c in rubrics.rules}
    found.update({c.check.id: [sources(m) for m in c.matchers] for c in rubrics.checks})
    return {
        key: hashlib.sha256(json.dumps(value, ensure_ascii=False).encode()).hexdigest()[:16]
        for key, value in sorted(found.items())
    }


def test_compiled_patterns_match_the_recorded_fingerprints() -> None:
    """Reformatting a rubric must not change what it matches; a deliberate rule change updates
    the fixture with ``python -m tests.scoring.test_rubric_trees --write``."""
    recorded = json.loads(FIXTURE.read_text(encoding="utf-8"))
    current = fingerprints(load_rubric_set())
    changed = sorted(
        k for k in recorded.keys() | current.keys() if recorded.get(k) != current.get(k)
    )
    assert not changed, f"compiled patterns changed for: {', '.join(changed)}"


# --- how a tree joins ----------------------------------------------------------------------


def test_any_joins_alternatives_and_groups_only_when_nested() -> None:
    tree = {"seq": ["\\b", {"any": ["foo", {"any": ["ba", "bu"]}, "x{1,2}"]}, "?", "\\b"]}
    assert regex_source(tree) == "\\b(?:foo|(?:ba|bu)|x{1,2})?\\b"
    assert regex_source({"any": ["a", {"seq": ["b", "c"]}]}) == "a|bc"


@pytest.mark.parametrize(
    ("tree", "where", "words"),
    [
        ({"any": []}, ("any",), "non-empty list"),
        ({"all": ["a"]}, (), "got 'all'"),
        ({"any": ["a"], "seq": ["b"]}, (), "got 'any', 'seq'"),
        ({"any": ["a", 5]}, ("any", 1), "item 2 must be a regex string"),
        ({"any": ["a", " "]}, ("any", 1), "empty fragment"),
        ({"any": ["(?:open"]}, ("any", 0), "leaves a '\\(' open"),
        ({"any": ["shut)"]}, ("any", 0), "closes a '\\)'"),
        ({"seq": ["[abc"]}, ("seq", 0), "unclosed '\\['"),
        ({"seq": ["a", {"any": ["b", {"seq": ["c|d"]}]}]}, ("seq", 1, "any", 1, "seq", 0), "'\\|'"),
    ],
)
def test_malformed_tree_names_the_item(tree: object, where: tuple[object, ...], words: str) -> None:
    with pytest.raises(PatternError, match=words) as caught:
        regex_source(tree)  # type: ignore[arg-type]
    assert caught.value.path == where


def test_a_block_is_one_fragment_a_line() -> None:
    assert regex_source({"any": "  we\\s+\n\n  our\n"}) == "we\\s+|our"
    with pytest.raises(PatternError, match="at least two lines") as caught:
        regex_source({"seq": [{"any": "folded by > into one line"}]})
    assert caught.value.path == ("seq", 0, "any")


def test_escaped_brackets_and_parentheses_are_whole_pieces() -> None:
    assert regex_source({"any": [r"\(x\)", r"[)(|]", r"[]a]", r"\["]}) == r"\(x\)|[)(|]|[]a]|\["


# --- loading real files --------------------------------------------------------------------


def test_tree_rule_matches_like_its_one_line_form(tmp_path: Path) -> None:
    trigger = """\
    pattern:
      seq:
        - '\\b'
        - any:
            - 'fault'
            - '{{house_vendor}}'
        - '\\b'
    requires:
      - any: |
          \\bthe\\b
          \\bour\\b"""
    body = HEADER + "patterns:\n  house_vendor:\n    any: ['vendor', 'supplier']\n"
    rubrics = load_rubric_set(
        extra=[write(tmp_path, body + RULE.format(trigger=trigger))], include_bundled=False
    )
    compiled = rubrics.rule("house.rule").matcher
    assert rubrics.triggers.sources[compiled.trigger_id] == r"\b(?:fault|(?:vendor|supplier))\b"
    spans = [
        (f.start, f.end)
        for f in score("It was the supplier. A faultless day. Vendor.", rubrics, ("rule",)).flags
    ]
    assert spans == [(11, 19)]  # "supplier"; "faultless" is not "fault"; no "the"/"our" by Vendor


def test_bad_item_in_a_rule_names_file_line_rule_and_item(tmp_path: Path) -> None:
    trigger = "    pattern:\n      any:\n        - 'ok'\n        - '(?:open'"
    message = load_error(tmp_path, HEADER + RULE.format(trigger=trigger))
    assert message.startswith(
        "FILE:12: rule 'house.rule', field 'rules.0.pattern.any.1': fragment '(?:open' leaves"
    )


def test_bad_fragment_in_a_block_is_located_on_its_own_line(tmp_path: Path) -> None:
    trigger = "    pattern:\n      any: |\n        fine\n\n        (?:open\n        also"
    message = load_error(tmp_path, HEADER + RULE.format(trigger=trigger))
    assert message.startswith("FILE:13: rule 'house.rule', field 'rules.0.pattern.any.1'")


def test_bad_condition_item_is_located(tmp_path: Path) -> None:
    trigger = "    pattern: 'x'\n    unless:\n      - '@first'\n      - seq:\n          - 'a|b'"
    message = load_error(tmp_path, HEADER + RULE.format(trigger=trigger))
    assert message.startswith("FILE:13: rule 'house.rule', field 'rules.0.unless.1.seq.0'")
    assert "top-level '|'" in message


def test_bad_named_pattern_tree_is_located(tmp_path: Path) -> None:
    body = HEADER + "patterns:\n  house_x:\n    any:\n      - 'a'\n      - 7\n" + "rules: []\n"
    message = load_error(tmp_path, body)
    assert message.startswith("FILE:8: named pattern 'house_x', field 'patterns.house_x.any.1'")
    assert "not int 7" in message


def test_pattern_of_the_wrong_type_is_refused_plainly(tmp_path: Path) -> None:
    trigger = "    pattern: [a, b]"
    message = load_error(tmp_path, HEADER + RULE.format(trigger=trigger))
    assert message.startswith("FILE:9: rule 'house.rule', field 'rules.0.pattern': give a regex")
    assert "Value error" not in message


def test_check_evidence_tree_is_located(tmp_path: Path) -> None:
    body = HEADER + (
        "checks:\n  - id: house.ask\n    element: ask\n    title: t\n    message: m\n"
        "    suggestion: s\n    evidence:\n      - pattern:\n          any: []\n"
        "    examples:\n      present: ['a']\n      absent: ['b']\n"
    )
    message = load_error(tmp_path, body)
    assert message.startswith("FILE:12: check 'house.ask', field 'checks.0.evidence.0.pattern.any'")


def test_cli_reports_a_bad_tree_with_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + RULE.format(trigger="    pattern:\n      seq: ['(']"))
    draft = tmp_path / "d.txt"
    draft.write_text("We are sorry.\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "check", "--rubric", str(path), str(draft)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 2
    assert f"{path}:10: rule 'house.rule', field 'rules.0.pattern.seq.0'" in done.stderr
    assert "Traceback" not in done.stderr


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        current = fingerprints(load_rubric_set())
        FIXTURE.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {len(current)} fingerprints to {FIXTURE}")
    else:
        print("usage: python -m tests.scoring.test_rubric_trees --write")
