"""Turn rubric pattern text (regexes and phrase lexicons) into linear-time RE2 regexes.

Every pattern, bundled or user-supplied, runs on RE2, so no rule can hang the scorer through
catastrophic backtracking. Phrases are friendlier than regexes for most rules: ``work+`` matches
every inflection of "work", ``~`` stands for a gap of up to three words, and apostrophes match
both ' and ’.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import re2

_REF = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_GAP = r"(?:\W+\w+){0,3}?"

_IRREGULAR: dict[str, tuple[str, ...]] = {
    "be": ("am", "is", "are", "was", "were", "been", "being"),
    "have": ("has", "had", "having"),
    "do": ("does", "did", "done", "doing"),
    "go": ("goes", "went", "gone", "going"),
    "take": ("takes", "took", "taken", "taking"),
    "make": ("makes", "made", "making"),
    "give": ("gives", "gave", "given", "giving"),
    "feel": ("feels", "felt", "feeling"),
    "keep": ("keeps", "kept", "keeping"),
    "put": ("puts", "putting"),
    "let": ("lets", "letting"),
    "say": ("says", "said", "saying"),
    "see": ("sees", "saw", "seen", "seeing"),
    "write": ("writes", "wrote", "written", "writing"),
    "learn": ("learns", "learned", "learnt", "learning"),
    "lose": ("loses", "lost", "losing"),
    "mean": ("means", "meant", "meaning"),
    "find": ("finds", "found", "finding"),
    "hold": ("holds", "held", "holding"),
    "bring": ("brings", "brought", "bringing"),
    "leave": ("leaves", "left", "leaving"),
    "get": ("gets", "got", "gotten", "getting"),
    "come": ("comes", "came", "coming"),
    "know": ("knows", "knew", "known", "knowing"),
    "think": ("thinks", "thought", "thinking"),
    "show": ("shows", "showed", "shown", "showing"),
    "fall": ("falls", "fell", "fallen", "falling"),
    "build": ("builds", "built", "building"),
    "spend": ("spends", "spent", "spending"),
    "stand": ("stands", "stood", "standing"),
    "run": ("runs", "ran", "running"),
    "set": ("sets", "setting"),
    "send": ("sends", "sent", "sending"),
    "tell": ("tells", "told", "telling"),
    "pay": ("pays", "paid", "paying"),
}


class PatternError(ValueError):
    """A pattern that RE2 cannot compile, a reference to an unknown named pattern, or a
    malformed ``any``/``seq`` tree (``path`` then locates the wrong item inside it)."""

    def __init__(self, message: str, path: tuple[int | str, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


def inflections(word: str) -> set[str]:
    """The regular and irregular forms of an English word (over-generating is harmless here)."""
    word = word.lower()
    forms = {word, word + "s", word + "es", word + "ed", word + "d", word + "ing"}
    forms.update(_IRREGULAR.get(word, ()))
    if word.endswith("e"):
        forms.add(word[:-1] + "ing")
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        forms.update({word[:-1] + "ies", word[:-1] + "ied"})
    if (
        len(word) >= 3
        and word[-1] not in "aeiouwxy"
        and word[-2] in "aeiou"
        and word[-3] not in "aeiou"
    ):
        forms.update({word + word[-1] + "ed", word + word[-1] + "ing"})
    return forms


def phrase_to_regex(phrase: str) -> str:
    """Compile one lexicon phrase to a case-insensitive RE2 regex with word boundaries."""
    parts: list[str] = []
    for token in phrase.split():
        if token == "~":
            parts.append(_GAP)
            continue
        if token.endswith("+") and len(token) > 1:
            forms = sorted(inflections(token[:-1]), key=len, reverse=True)
            parts.append("(?:" + "|".join(_escape_word(form) for form in forms) + ")")
        else:
            parts.append(_escape_word(token))
    body = ""
    for index, part in enumerate(parts):
        if index and part != _GAP:
            body += r"\W+" if parts[index - 1] == _GAP else r"\s+"
        body += part
    starts_word = bool(re.match(r"\w", phrase.split()[0].rstrip("+"))) if phrase.split() else False
    ends_word = bool(re.search(r"\w\+?$", phrase.split()[-1])) if phrase.split() else False
    return (r"\b" if starts_word else "") + body + (r"\b" if ends_word else "")


def _escape_word(word: str) -> str:
    """Escape a literal word, letting any apostrophe match both ' and ’."""
    return "".join("['’]" if ch in "'’" else re.escape(ch) for ch in word)


def lexicon_to_regex(phrases: list[str]) -> str:
    """One alternation for a whole phrase list, longest phrases first so the widest span wins."""
    ordered = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    return "(?:" + "|".join(phrase_to_regex(p) for p in ordered) + ")"


# A long alternation is written in YAML as ``any:`` (alternatives, one per line) and ``seq:``
# (pieces in order), nested as deep as needed; both join back into one regex string at load time.
TREE_KEYS = ("any", "seq")


def regex_source(spec: str | dict[str, Any], path: tuple[int | str, ...] = ()) -> str:
    """The one regex a pattern spec stands for: a string as it is, or an ``any``/``seq`` tree.

    ``any`` joins its items with ``|`` and ``seq`` concatenates them (the items: a list, or a
    ``|`` block with one fragment a line); an ``any`` nested inside another item is wrapped in
    ``(?:...)`` so it groups, the outermost one is not (it is the whole pattern). Raises
    PatternError whose ``path`` says which item, under ``path``, is wrong.
    """
    if isinstance(spec, str):
        return spec
    if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in TREE_KEYS:
        keys = ", ".join(repr(k) for k in spec) if isinstance(spec, dict) else type(spec).__name__
        raise PatternError(
            f"a regex is a string, or a mapping with one key, 'any' (alternatives) or 'seq' "
            f"(pieces in order); got {keys or 'an empty mapping'}",
            path,
        )
    key, items = next(iter(spec.items()))
    if isinstance(items, str):
        items = block_fragments(items)
        if len(items) < 2:
            raise PatternError(
                f"'{key}' as text takes one fragment a line in a '|' block, at least two lines "
                "(a '>' block would fold them into one line)",
                (*path, key),
            )
    if not isinstance(items, list) or not items:
        raise PatternError(f"'{key}' must be a non-empty list of regex fragments", (*path, key))
    parts: list[str] = []
    for index, item in enumerate(items):
        where = (*path, key, index)
        if isinstance(item, str):
            check_fragment(item, in_seq=key == "seq", path=where)
            parts.append(item)
        elif isinstance(item, dict):
            inner = regex_source(item, where)
            parts.append(f"(?:{inner})" if next(iter(item)) == "any" else inner)
        else:
            raise PatternError(
                f"item {index + 1} must be a regex string or an 'any'/'seq' mapping, "
                f"not {type(item).__name__} {item!r}",
                where,
            )
    return ("|" if key == "any" else "").join(parts)


def block_fragments(block: str) -> list[str]:
    """The fragments of a ``|`` block: one a line, surrounding spaces and blank lines dropped.

    A block holds thousands of fragments in one YAML scalar, which loads several times faster
    than a list of as many quoted strings.
    """
    return [line.strip() for line in block.splitlines() if line.strip()]


def check_fragment(fragment: str, in_seq: bool, path: tuple[int | str, ...] = ()) -> None:
    """Reject a fragment that would change the meaning of its neighbours once joined.

    Every fragment must be a whole piece (brackets and parentheses closed), an ``any`` item
    must not be empty (it would match everywhere) and a ``seq`` piece must not hold a
    top-level ``|`` (it would split the whole pattern, not the piece).
    """
    if not fragment.strip():
        raise PatternError("an empty fragment (in 'any' it would match everywhere)", path)
    bare = _NEUTRAL.sub("", fragment)  # escapes and whole character classes cannot unbalance
    if "[" in bare:
        raise PatternError(f"fragment {fragment!r} has an unclosed '['", path)
    depth, top_bar = 0, False
    for char in _STRUCTURE.findall(bare):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise PatternError(f"fragment {fragment!r} closes a ')' it never opened", path)
        elif depth == 0:
            top_bar = True
    if depth:
        raise PatternError(
            f"fragment {fragment!r} leaves a '(' open: each fragment must be a whole piece "
            "(write a long group as a nested 'any')",
            path,
        )
    if in_seq and top_bar:
        raise PatternError(
            f"fragment {fragment!r} has a top-level '|', which in 'seq' would split the whole "
            "pattern: write the alternatives as a nested 'any'",
            path,
        )


# An escape, or a whole character class (``[^]a\]]`` included): neither can open a group.
_NEUTRAL = re.compile(r"\\.|\[\^?\]?(?:\\.|[^\]\\])*\]", re.DOTALL)
_STRUCTURE = re.compile(r"[()|]")


def expand_references(source: str, named: dict[str, str], seen: tuple[str, ...] = ()) -> str:
    """Replace ``{{name}}`` with the named pattern's regex, detecting cycles and unknown names."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in seen:
            raise PatternError(f"named pattern '{name}' refers to itself")
        if name not in named:
            raise PatternError(f"unknown named pattern '{{{{{name}}}}}'")
        return "(?:" + expand_references(named[name], named, (*seen, name)) + ")"

    return _REF.sub(substitute, source)


def _options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = 64 << 20
    return options


@cache
def compile_regex(source: str) -> Any:
    """Compile with RE2 (linear time, case-insensitive); raise PatternError with RE2's reason."""
    try:
        return re2.compile(source, options=_OPTIONS)
    except re2.error as err:
        reason = err.args[0].decode() if err.args and isinstance(err.args[0], bytes) else str(err)
        raise PatternError(f"invalid regular expression ({reason})") from None


_OPTIONS = _options()


class PatternSet:
    """Many RE2 patterns answered together: which of them match somewhere in a text.

    The scorer asks this once per sentence (which triggers can fire), instead of running every
    trigger separately. Patterns are split into groups of ``GROUP_SIZE``, one RE2 set each: RE2
    builds a set's automaton lazily as it meets new text, and one huge set made a fresh
    `amends check` of 100 unseen letters spend ~0.8 s building it, against ~0.3 s for small
    groups, while small groups cost more per sentence once warm; 24 balances the two. RE2's
    FilteredRE2 was tried too: fast cold, but about 2.5x slower than sets when warm.
    """

    GROUP_SIZE = 24

    def __init__(self, keep_regexes: bool = False, as_set: bool = True) -> None:
        self._ids: dict[str, int] = {}
        self._groups: list[Any] = []
        self._keep_regexes = keep_regexes or not as_set
        self._as_set = as_set
        self._regexes: list[Any] = []
        self._compiled = False

    def add(self, source: str) -> int:
        """The id of ``source`` in this set (the same id for the same source).

        Raises PatternError with RE2's reason when the pattern does not compile.
        """
        if self._compiled:
            raise RuntimeError("PatternSet is already compiled")
        if source in self._ids:
            return self._ids[source]
        if self._keep_regexes:
            self._regexes.append(compile_regex(source))
        index = len(self._ids)
        if self._as_set:
            if index % self.GROUP_SIZE == 0:
                self._groups.append(re2.Set.SearchSet(_SET_OPTIONS))
            try:
                self._groups[-1].Add(source)
            except re2.error:
                compile_regex(source)  # raises PatternError with RE2's own reason
                raise PatternError(f"RE2 rejected the pattern {source!r}") from None
        self._ids[source] = index
        return index

    def compile(self) -> PatternSet:
        """Finish the set; after this, ``matching`` (and ``regex`` if kept) may be used."""
        for group in self._groups:
            group.Compile()
        self._compiled = True
        return self

    def regex(self, pattern_id: int) -> Any:
        """The compiled regex of one pattern (kept with ``keep_regexes`` or ``as_set=False``)."""
        return self._regexes[pattern_id]

    @property
    def sources(self) -> tuple[str, ...]:
        """The patterns, in id order (for tests that check the set against each regex)."""
        return tuple(self._ids)

    def matching(self, text: str) -> frozenset[int]:
        """Ids of the patterns that match somewhere in ``text``."""
        if not self._as_set:
            raise RuntimeError("built with as_set=False: ask each pattern with regex(id)")
        found: list[int] = []
        for number, group in enumerate(self._groups):
            hits = group.Match(text)
            if hits:
                offset = number * self.GROUP_SIZE
                found.extend(offset + hit for hit in hits)
        return frozenset(found)


def _set_options() -> Any:
    options = _options()
    options.max_mem = 512 << 20  # a budget, not an allocation: keeps the set's DFA from giving up
    return options


_SET_OPTIONS = _set_options()
