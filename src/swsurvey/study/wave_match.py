"""A new wave's export dictionary matched to the previous wave's instrument, variable by variable.

``swsurvey wave draft`` reads a new export's dictionary and asks, for each of its variables,
which question of the previous wave's instrument it is. Qualtrics names variables by question
number, so an inserted question renames every later one: the name alone misleads. Each pair
(new variable, old question) is scored from three things:

- the question text (the variable label): :func:`text_similarity`, difflib's ratio of the
  normalised labels, where for a grid or checkbox item ("stem - item") the item counts most,
  and a parenthetical instruction ("(four digits, e.g. 1975)") may be set aside;
- the code frame: :func:`codes_similarity`, the codes kept with the same label and the labels
  in common (so a reversed scale still resembles its earlier self);
- the name: equal names count fully, similar ones a little.

The text counts most (60%, its similarity squared), the codes 25% and the name 15%.

The pairs are assigned one to one maximising the total score (the Hungarian method, scipy's
``linear_sum_assignment``; a greedy pass where scipy is missing) over the pairs above
:data:`MATCH_THRESHOLD`. A match is *uncertain* when its score is below :data:`CONFIDENT` or a
runner-up is within :data:`CLOSE` of it; an unmatched new question whose best candidates are
among the dropped ones is uncertain too. Metadata columns (the instrument's ``metadata:``)
match by name only. Every function here is pure: dictionaries in, matches out.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

#: Weights of the three parts of a pair's score (they sum to 1).
TEXT_WEIGHT, CODES_WEIGHT, NAME_WEIGHT = 0.6, 0.25, 0.15
#: Pairs scoring below this are never matched.
MATCH_THRESHOLD = 0.55
#: A match scoring below this is uncertain.
CONFIDENT = 0.8
#: A runner-up within this of a match makes it uncertain.
CLOSE = 0.1
#: Candidates listed for a reviewer score at least this, at most :data:`MAX_CANDIDATES` of them.
CANDIDATE_FLOOR = 0.15
MAX_CANDIDATES = 3

#: Labels of a string variable that holds personal data: names, contact details, places.
_PII_WORDS = re.compile(
    r"\b(name|e-?mail|phone|telephone|address|postcode|postal|zip|city|town|location|latitude|"
    r"longitude|ip address|birth ?date|date of birth)\b",
    re.IGNORECASE,
)
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)")


@dataclass(frozen=True)
class Item:
    """One variable as a dictionary or an instrument describes it (codes without the missing ones)."""

    name: str
    label: str
    kind: str  # "numeric", "string" or "datetime"
    values: dict[int, str] = field(default_factory=dict)
    checkbox: bool = False
    metadata: bool = False


@dataclass(frozen=True)
class Match:
    """What became of one variable between the waves.

    ``status``: ``unchanged`` (same name, same text and codes), ``changed`` (same name, text or
    codes changed), ``renamed``, ``added`` (new, no earlier question) or ``dropped`` (earlier,
    not in the new export). ``details`` says what changed (see :func:`compare_items`).
    """

    status: str
    name: str | None
    was: str | None
    score: float | None
    candidates: dict[str, float]
    details: dict
    uncertain: bool = False


def normalise(text: str) -> str:
    """Lower case, one space, plain quotes and dashes, Unicode-normalised."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return " ".join(text.split())


def _ratio(a: str, b: str) -> float:
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _plain_ratio(a: str, b: str) -> float:
    """Text similarity, also with parenthetical instructions set aside (the better of the two)."""
    a, b = normalise(a), normalise(b)
    bare_a, bare_b = _PARENTHETICAL.sub("", a).strip(), _PARENTHETICAL.sub("", b).strip()
    return max(_ratio(a, b), _ratio(bare_a, bare_b) if bare_a and bare_b else 0.0)


def text_similarity(a: str, b: str) -> float:
    """Similarity of two question texts, 0-1 (difflib's ratio of the normalised labels).

    For grid and checkbox items, labelled "stem - item" as Qualtrics exports them, the item
    carries 60% and the stem 40%, so that two rows of one grid are told apart.
    """
    if " - " in a and " - " in b:
        stem_a, item_a = a.split(" - ", 1)
        stem_b, item_b = b.split(" - ", 1)
        return 0.4 * _plain_ratio(stem_a, stem_b) + 0.6 * _plain_ratio(item_a, item_b)
    return _plain_ratio(a, b)


def codes_similarity(new: Item, old: Item) -> float:
    """Similarity of two code frames, 0-1: half the share of (code, label) pairs kept, half the
    share of labels in common. Two variables without codes are alike if they have one type."""
    if not new.values and not old.values:
        return 1.0 if new.kind == old.kind and new.checkbox == old.checkbox else 0.0
    if not new.values or not old.values:
        return 0.0
    pairs_new = {(c, normalise(lab)) for c, lab in new.values.items()}
    pairs_old = {(c, normalise(lab)) for c, lab in old.values.items()}
    labels_new, labels_old = {lab for _, lab in pairs_new}, {lab for _, lab in pairs_old}
    pairs = len(pairs_new & pairs_old) / len(pairs_new | pairs_old)
    labels = len(labels_new & labels_old) / len(labels_new | labels_old)
    return 0.5 * pairs + 0.5 * labels


def name_similarity(a: str, b: str) -> float:
    """1 for equal names; half difflib's ratio otherwise (names are renumbered between waves)."""
    return 1.0 if a == b else 0.5 * _ratio(a.lower(), b.lower())


def pair_score(new: Item, old: Item) -> float:
    """The score of matching ``new`` to ``old``, 0-1 (see the module's description).

    The text similarity counts squared: two questions that differ in a few words ("... with a
    supervisor?", "... with peers or colleagues?") have a high ratio, and squaring keeps them apart.
    """
    return (
        TEXT_WEIGHT * text_similarity(new.label, old.label) ** 2
        + CODES_WEIGHT * codes_similarity(new, old)
        + NAME_WEIGHT * name_similarity(new.name, old.name)
    )


def scale_reversed(new: dict[int, str], old: dict[int, str]) -> bool:
    """The same labels on the same codes, in reverse code order (a reversed scale)."""
    if len(new) < 2 or set(new) != set(old) or new == old:
        return False
    codes = sorted(new)
    return [normalise(new[c]) for c in codes] == [normalise(old[c]) for c in reversed(codes)]


def compare_items(new: Item, old: Item) -> dict:
    """What changed from ``old`` to ``new``: text, codes added, removed, relabelled, a reversed scale, type.

    Labels are compared after normalisation (case, spacing, quote styles): an export that
    only changed a curly quote has not edited the question.
    """
    details: dict = {}
    if normalise(new.label) != normalise(old.label):
        details["text_edited"] = {"was": old.label, "now": new.label}
    if new.kind != old.kind or new.checkbox != old.checkbox:
        details["type_changed"] = {"was": _kind(old), "now": _kind(new)}
    if new.checkbox and old.checkbox:
        return details
    if scale_reversed(new.values, old.values):
        details["scale_reversed"] = True
        return details
    added = {c: lab for c, lab in new.values.items() if c not in old.values}
    removed = {c: lab for c, lab in old.values.items() if c not in new.values}
    relabelled = {
        c: {"was": old.values[c], "now": lab}
        for c, lab in new.values.items()
        if c in old.values and normalise(old.values[c]) != normalise(lab)
    }
    if added:
        details["codes_added"] = added
    if removed:
        details["codes_removed"] = removed
    if relabelled:
        details["codes_relabelled"] = relabelled
    return details


def _kind(item: Item) -> str:
    if item.checkbox:
        return "checkbox"
    return f"coded {item.kind}" if item.values else item.kind


def looks_personal(item: Item) -> bool:
    """A string variable whose label names a person, contact details or a place."""
    return item.kind == "string" and bool(_PII_WORDS.search(item.label))


def _assign(scores: list[list[float]], threshold: float) -> list[tuple[int, int]]:
    """One-to-one pairs (new index, old index) maximising the total score over pairs >= threshold."""
    if not scores or not scores[0]:
        return []
    try:
        import numpy as np
        from scipy.optimize import linear_sum_assignment
    except ImportError:  # pragma: no cover - scipy is a dependency; greedy is the fallback
        pairs = sorted(
            ((s, i, j) for i, row in enumerate(scores) for j, s in enumerate(row) if s >= threshold),
            key=lambda t: (-t[0], t[1], t[2]),
        )
        used_i: set[int] = set()
        used_j: set[int] = set()
        chosen = []
        for _, i, j in pairs:
            if i not in used_i and j not in used_j:
                used_i.add(i)
                used_j.add(j)
                chosen.append((i, j))
        return sorted(chosen)
    matrix = np.asarray(scores, dtype=float)
    gain = np.where(matrix >= threshold, matrix, 0.0)
    rows, cols = linear_sum_assignment(gain, maximize=True)
    return sorted((int(i), int(j)) for i, j in zip(rows, cols) if matrix[i, j] >= threshold)


def _candidates(row: dict[str, float], floor: float = CANDIDATE_FLOOR) -> dict[str, float]:
    best = sorted(((s, n) for n, s in row.items() if s >= floor), key=lambda t: (-t[0], t[1]))
    return {n: round(s, 2) for s, n in best[:MAX_CANDIDATES]}


def match_items(new: list[Item], old: list[Item]) -> list[Match]:
    """Match a new export's variables to the earlier wave's, in the new export's order, the
    dropped ones after (in the earlier order). Metadata match by name only."""
    old_meta = {o.name: o for o in old if o.metadata}
    old_questions = [o for o in old if not o.metadata]
    new_questions = [n for n in new if n.name not in old_meta]
    scores = [[pair_score(n, o) for o in old_questions] for n in new_questions]
    assigned = dict(_assign(scores, MATCH_THRESHOLD))
    taken = set(assigned.values())
    by_new: dict[str, Match] = {}
    for i, item in enumerate(new_questions):
        row = {o.name: scores[i][j] for j, o in enumerate(old_questions)}
        if i in assigned:
            j = assigned[i]
            old_item, score = old_questions[j], scores[i][j]
            rivals = [scores[i][k] for k in range(len(old_questions)) if k != j]
            rivals += [scores[k][j] for k in range(len(new_questions)) if k != i]
            uncertain = score < CONFIDENT or any(score - r < CLOSE for r in rivals)
            details = compare_items(item, old_item)
            status = "renamed" if old_item.name != item.name else ("changed" if details else "unchanged")
            candidates = _candidates(row) if uncertain else {}
            by_new[item.name] = Match(status, item.name, old_item.name, round(score, 2), candidates, details, uncertain)
        else:
            # Only the earlier questions left unmatched are candidates: the others found their match.
            free = {o.name: row[o.name] for j, o in enumerate(old_questions) if j not in taken}
            candidates = _candidates(free)
            details = {}
            if item.kind == "string" and not item.values:
                details["free_text"] = True
                if looks_personal(item):
                    details["pii"] = True
            by_new[item.name] = Match("added", item.name, None, None, candidates, details, bool(candidates))
    matches = []
    for item in new:
        if item.name in old_meta:
            details = compare_items(item, old_meta[item.name])
            details["metadata"] = True
            status = "changed" if len(details) > 1 else "unchanged"
            matches.append(Match(status, item.name, item.name, 1.0, {}, details))
        else:
            matches.append(by_new[item.name])
    new_names = {n.name for n in new}
    matched_old = {old_questions[j].name for j in taken}
    for o in old:
        if o.metadata and o.name not in new_names:
            matches.append(Match("dropped", None, o.name, None, {}, {"metadata": True}))
        elif not o.metadata and o.name not in matched_old:
            matches.append(Match("dropped", None, o.name, None, {}, {}))
    return matches
