"""Load rubric YAML files, validate them into pydantic models and compile their rules once.

A rubric is data: each rule has an id, a category, a severity, a message saying why it hurts
trust, a suggestion, its matching logic and examples that must and must not flag. Errors name the
file, the line and the field, so a comms team can fix their house-style rubric without a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from assistant.errors import ConfigError, RubricError, plain_message
from assistant.models import Severity
from assistant.patterns import (
    PatternError,
    PatternSet,
    expand_references,
    lexicon_to_regex,
    regex_source,
)
from assistant.resources import bundled_dir

RUBRIC_SUFFIXES = (".yaml", ".yml")
MAX_RUBRIC_BYTES = 1_000_000
# libyaml's safe loader parses the bundled rubrics ~14x faster than the pure-Python one.
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ID = r"^[a-z0-9][a-z0-9_.-]*$"


def _regex_or_tree(value: Any) -> Any:
    """Only the outer shape is checked here; ``_check_trees`` names a wrong item and its line."""
    if isinstance(value, str | dict):
        return value
    raise ValueError(
        "give a regex string, or a mapping with 'any' (alternatives, one per line) or 'seq' "
        f"(pieces in order), not {type(value).__name__} {value!r}"
    )


def _pattern_value(value: Any) -> Any:
    """A named pattern: a regex string, a phrase list, or an ``any``/``seq`` tree."""
    return value if isinstance(value, list) else _regex_or_tree(value)


# A regex written as one string or as a tree of ``any``/``seq`` lists (see rubrics/README.md).
RegexSpec = Annotated[str | dict[str, Any], BeforeValidator(_regex_or_tree)]
PatternValue = Annotated[str | list[str] | dict[str, Any], BeforeValidator(_pattern_value)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Matcher(_Strict):
    """Where a rule fires: a trigger (phrases or a regex) plus conditions on its sentence.

    ``requires`` must all match the sentence and ``unless`` must all miss it; each entry is a
    regex (``{{name}}`` splices in a named pattern) or ``@name`` for a named pattern. Any regex
    may be written as an ``any``/``seq`` tree instead of one long string.
    """

    phrases: list[str] | None = None
    pattern: RegexSpec | None = None
    requires: list[RegexSpec] = Field(default_factory=list)
    unless: list[RegexSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_trigger(self) -> Matcher:
        if (self.phrases is None) == (self.pattern is None):
            raise ValueError("give exactly one of 'phrases' (a list) or 'pattern' (a regex)")
        if self.phrases is not None and not any(p.strip() for p in self.phrases):
            raise ValueError("'phrases' must list at least one phrase")
        return self

    @property
    def kind(self) -> str:
        """lexicon, regex, or sentence (a trigger with conditions on its sentence)."""
        if self.requires or self.unless:
            return "sentence"
        return "lexicon" if self.phrases is not None else "regex"


class RuleExamples(_Strict):
    """Teaching material that is also a test: texts that must flag and texts that must not."""

    flag: list[str] = Field(min_length=1)
    pass_: list[str] = Field(alias="pass", min_length=1)


class Rule(Matcher):
    """One sentence-level rule."""

    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    category: str | None = Field(default=None, pattern=r"^[a-z][a-z_]*$")
    severity: Severity = "warning"
    message: str = Field(min_length=1)
    suggestion: str = Field(min_length=1)
    enabled: bool = True
    span: Literal["match", "sentence"] = "match"
    examples: RuleExamples


class CheckExamples(_Strict):
    """Documents in which the element must be found, and documents in which it must not."""

    present: list[str] = Field(min_length=1)
    absent: list[str] = Field(min_length=1)


class Check(_Strict):
    """A document-level check: the element is present when any evidence matcher fires."""

    id: str = Field(pattern=_ID)
    element: str = Field(pattern=r"^[a-z][a-z_]*$")
    title: str = Field(min_length=1)
    message: str = Field(min_length=1, description="why its absence hurts trust")
    suggestion: str = Field(min_length=1)
    evidence: list[Matcher] = Field(min_length=1)
    examples: CheckExamples


class LearnedText(_Strict):
    """What a model or judge flag of this rubric's category says (it has no rule of its own)."""

    message: str = Field(min_length=1, description="why sentences like this hurt trust")
    suggestion: str = Field(min_length=1, description="what to write instead")


class RubricFile(_Strict):
    """The contents of one rubric YAML file."""

    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    description: str = ""
    category: str | None = Field(default=None, pattern=r"^[a-z][a-z_]*$")
    patterns: dict[str, PatternValue] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    learned: LearnedText | None = None


@dataclass(frozen=True)
class CategoryInfo:
    """An active sentence category: its definition and examples, for model and judge flags."""

    name: str
    title: str
    description: str
    message: str
    suggestion: str
    flag_examples: tuple[str, ...]
    pass_examples: tuple[str, ...]


@dataclass(frozen=True)
class CompiledMatcher:
    """A matcher compiled by RE2: ids of its trigger and conditions in the shared pattern sets."""

    triggers: PatternSet = field(compare=False, repr=False)
    trigger_id: int
    requires: tuple[int, ...]
    unless: tuple[int, ...]

    @property
    def trigger(self) -> Any:
        """The trigger's own compiled regex, for finding the exact spans."""
        return self.triggers.regex(self.trigger_id)


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to run, with the file it came from."""

    rule: Rule
    category: str
    matcher: CompiledMatcher
    source: Path


@dataclass(frozen=True)
class CompiledCheck:
    """A document-level check ready to run."""

    check: Check
    matchers: tuple[CompiledMatcher, ...]
    source: Path


@dataclass(frozen=True)
class RubricSet:
    """Every active rule and check, compiled once and shared (the scorer's other input)."""

    rules: tuple[CompiledRule, ...]
    checks: tuple[CompiledCheck, ...]
    rubric_ids: tuple[str, ...]
    files: tuple[Path, ...]
    triggers: PatternSet = field(compare=False, repr=False)
    conditions: PatternSet = field(compare=False, repr=False)
    categories: tuple[CategoryInfo, ...] = ()

    def category(self, name: str) -> CategoryInfo | None:
        """The active category called ``name``, or None when it is disabled or unknown."""
        return next((c for c in self.categories if c.name == name), None)

    def rule(self, rule_id: str) -> CompiledRule:
        """The compiled rule with this id (KeyError if absent)."""
        for compiled in self.rules:
            if compiled.rule.id == rule_id:
                return compiled
        raise KeyError(rule_id)


@dataclass(frozen=True)
class _Loaded:
    path: Path
    rubric: RubricFile


def rubric_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into their rubric files (sorted) and keep files as given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in RUBRIC_SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            raise RubricError(f"{path}: rubric file or folder not found")
    return found


def load_rubric_set(
    extra: Sequence[Path | str] = (),
    disable: Iterable[str] = (),
    enable: Iterable[str] = (),
    include_bundled: bool = True,
) -> RubricSet:
    """Bundled rubrics plus the user's own, filtered by enable/disable; cached until edited."""
    files = rubric_files(
        ([bundled_dir("rubrics")] if include_bundled else []) + [Path(p) for p in extra]
    )
    stamp = tuple((str(f.resolve()), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return _load_cached(stamp, tuple(sorted(set(disable))), tuple(sorted(set(enable))))


@lru_cache(maxsize=32)
def _load_cached(
    stamp: tuple[tuple[str, int, int], ...], disable: tuple[str, ...], enable: tuple[str, ...]
) -> RubricSet:
    loaded = [_Loaded(Path(name), parse_rubric_file(Path(name))) for name, _, _ in stamp]
    return _compile(loaded, set(disable), set(enable))


def parse_rubric_file(path: Path) -> RubricFile:
    """Read and validate one rubric file; any problem is a RubricError naming file and line."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise RubricError(f"{path}: cannot read rubric file ({err.strerror})") from None
    if len(raw) > MAX_RUBRIC_BYTES:
        raise RubricError(f"{path}: rubric file is larger than {MAX_RUBRIC_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RubricError(f"{path}: not UTF-8 text (bad byte at offset {err.start})") from None
    try:
        data = yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise RubricError(f"{path}{where}: invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise RubricError(f"{path}:1: a rubric must be a mapping with 'id', 'title' and 'rules'")
    try:
        rubric = RubricFile.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = first["loc"]
        line = _line_of(text, loc)
        field = ".".join(str(part) for part in loc) or "(top level)"
        raise RubricError(
            f"{path}:{line}: {_owner(data, loc)}field '{field}': {plain_message(first)}"
        ) from None
    _check_trees(rubric, path, text, data)
    return rubric


def _check_trees(rubric: RubricFile, path: Path, text: str, data: dict[str, Any]) -> None:
    """Join every ``any``/``seq`` tree once now, so a wrong item is named with its own line."""
    specs: list[tuple[tuple[int | str, ...], Any]] = [
        (("patterns", name), value) for name, value in rubric.patterns.items()
    ]
    matchers: list[tuple[tuple[int | str, ...], Matcher]] = [
        (("rules", index), rule) for index, rule in enumerate(rubric.rules)
    ]
    for index, check in enumerate(rubric.checks):
        matchers += [(("checks", index, "evidence", n), m) for n, m in enumerate(check.evidence)]
    for loc, matcher in matchers:
        specs.append(((*loc, "pattern"), matcher.pattern))
        specs += [((*loc, "requires", n), spec) for n, spec in enumerate(matcher.requires)]
        specs += [((*loc, "unless", n), spec) for n, spec in enumerate(matcher.unless)]
    for loc, spec in specs:
        if not isinstance(spec, dict):
            continue
        try:
            regex_source(spec)
        except PatternError as err:
            where = (*loc, *err.path)
            field = ".".join(str(part) for part in where)
            raise RubricError(
                f"{path}:{_line_of(text, where)}: {_owner(data, where)}field '{field}': {err}"
            ) from None


def _owner(data: Any, loc: tuple[int | str, ...]) -> str:
    """``rule 'id', `` (or check, or named pattern) for the item ``loc`` points into."""
    if len(loc) >= 2 and loc[0] == "patterns":
        return f"named pattern '{loc[1]}', "
    if len(loc) >= 2 and loc[0] in ("rules", "checks") and isinstance(loc[1], int):
        items = data.get(loc[0]) if isinstance(data, dict) else None
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            return f"{loc[0][:-1]} '{item['id']}', "
    return ""


def _line_of(text: str, loc: tuple[int | str, ...]) -> int:
    """The 1-based line of the YAML node at ``loc``, or of its nearest parent when it is missing."""
    node: Any = yaml.compose(text, Loader=yaml.SafeLoader)
    line = 1
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == part), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
        elif isinstance(node, yaml.ScalarNode) and node.style == "|" and isinstance(part, int):
            return _block_line(node, part)
        else:
            node = None
    return node.start_mark.line + 1 if node is not None else line


def _block_line(node: yaml.ScalarNode, index: int) -> int:
    """The line of the ``index``-th fragment of a ``|`` block (blank lines are not fragments)."""
    filled = [n for n, line in enumerate(node.value.splitlines()) if line.strip()]
    offset = filled[index] if index < len(filled) else 0
    return node.start_mark.line + 2 + offset


def _compile(loaded: list[_Loaded], disable: set[str], enable: set[str]) -> RubricSet:
    named = _named_patterns(loaded)
    known = _known_names(loaded)
    for name in sorted((disable | enable) - known):
        raise ConfigError(
            f"unknown rule, category or rubric '{name}' in enable/disable (see `amends rules`)"
        )
    rules: list[CompiledRule] = []
    checks: list[CompiledCheck] = []
    seen_ids: dict[str, Path] = {}
    # Triggers run on every sentence, so they are matched as RE2 sets; conditions are asked
    # only for the few matchers that fired, so each is run alone, on demand.
    sets = _Sets(PatternSet(keep_regexes=True), PatternSet(as_set=False), named)
    for item in loaded:
        rubric = item.rubric
        for index, rule in enumerate(rubric.rules):
            _claim_id(seen_ids, rule.id, item.path)
            category = rule.category or rubric.category
            if category is None:
                raise RubricError(
                    f"{item.path}: field 'rules.{index}.category': rule '{rule.id}' has no "
                    "category and the rubric sets none"
                )
            names = {rule.id, category, rubric.id}
            active = rule.enabled or bool(names & enable)
            if names & disable and not ({rule.id} & enable):
                active = False
            if not active:
                continue
            where = f"{item.path}: rule '{rule.id}'"
            rules.append(
                CompiledRule(rule, category, _compile_matcher(rule, sets, where), item.path)
            )
        for check in rubric.checks:
            _claim_id(seen_ids, check.id, item.path)
            if {check.id, check.element, rubric.id} & disable:
                continue
            where = f"{item.path}: check '{check.id}'"
            matchers = tuple(_compile_matcher(m, sets, where) for m in check.evidence)
            checks.append(CompiledCheck(check, matchers, item.path))
    return RubricSet(
        categories=_categories(loaded, disable),
        rules=tuple(rules),
        checks=tuple(checks),
        rubric_ids=tuple(item.rubric.id for item in loaded),
        files=tuple(item.path for item in loaded),
        triggers=sets.triggers.compile(),
        conditions=sets.conditions.compile(),
    )


def _categories(loaded: list[_Loaded], disable: set[str]) -> tuple[CategoryInfo, ...]:
    """Categories whose rubric is active, with the text model and judge flags carry."""
    found: list[CategoryInfo] = []
    for item in loaded:
        rubric = item.rubric
        if rubric.category is None or {rubric.id, rubric.category} & disable:
            continue
        if any(c.name == rubric.category for c in found):
            continue
        text = rubric.learned or LearnedText(
            message=rubric.description.strip() or rubric.title,
            suggestion="Rewrite the sentence so it owns the problem and serves the reader.",
        )
        found.append(
            CategoryInfo(
                name=rubric.category,
                title=rubric.title,
                description=" ".join(rubric.description.split()),
                message=" ".join(text.message.split()),
                suggestion=" ".join(text.suggestion.split()),
                flag_examples=tuple(e for rule in rubric.rules for e in rule.examples.flag),
                pass_examples=tuple(e for rule in rubric.rules for e in rule.examples.pass_),
            )
        )
    return tuple(found)


def _claim_id(seen: dict[str, Path], rule_id: str, path: Path) -> None:
    if rule_id in seen:
        raise RubricError(f"{path}: id '{rule_id}' is already used in {seen[rule_id]}")
    seen[rule_id] = path


def _known_names(loaded: list[_Loaded]) -> set[str]:
    names: set[str] = set()
    for item in loaded:
        names.add(item.rubric.id)
        for rule in item.rubric.rules:
            names.add(rule.id)
            category = rule.category or item.rubric.category
            if category:
                names.add(category)
        for check in item.rubric.checks:
            names.update({check.id, check.element})
    return names


def _named_patterns(loaded: list[_Loaded]) -> dict[str, str]:
    """Named patterns from every file, as regex source; a name may be defined only once."""
    named: dict[str, str] = {}
    origin: dict[str, Path] = {}
    for item in loaded:
        for name, value in item.rubric.patterns.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise RubricError(f"{item.path}: field 'patterns.{name}': not a valid pattern name")
            source = lexicon_to_regex(value) if isinstance(value, list) else regex_source(value)
            if name in named and named[name] != source:
                raise RubricError(
                    f"{item.path}: field 'patterns.{name}': already defined in {origin[name]}"
                )
            named[name] = source
            origin[name] = item.path
    return named


@dataclass(frozen=True)
class _Sets:
    """Where compiled triggers and conditions are collected while a rubric set is built."""

    triggers: PatternSet
    conditions: PatternSet
    named: dict[str, str]


def _compile_matcher(matcher: Matcher, sets: _Sets, where: str) -> CompiledMatcher:
    if matcher.phrases is not None:
        source = lexicon_to_regex(matcher.phrases)
    else:
        source = regex_source(matcher.pattern or "")
    return CompiledMatcher(
        triggers=sets.triggers,
        trigger_id=_add(sets.triggers, source, sets.named, where, "trigger", literal=True),
        requires=tuple(
            _add(sets.conditions, c, sets.named, where, "requires") for c in matcher.requires
        ),
        unless=tuple(_add(sets.conditions, c, sets.named, where, "unless") for c in matcher.unless),
    )


def _add(
    target: PatternSet,
    spec: str | dict[str, Any],
    named: dict[str, str],
    where: str,
    role: str,
    literal: bool = False,
) -> int:
    """Expand named patterns and add the result to ``target``; errors name the rule and role.

    Only a plain string can be ``@name``: a tree is always a regex.
    """
    source = regex_source(spec)
    if not literal and isinstance(spec, str) and source.startswith("@"):
        name = source[1:]
        if name not in named:
            raise RubricError(f"{where}, {role}: unknown named pattern '@{name}'")
        source = "{{" + name + "}}"
    try:
        return target.add(expand_references(source, named))
    except PatternError as err:
        raise RubricError(f"{where}, {role}: {err}") from None
