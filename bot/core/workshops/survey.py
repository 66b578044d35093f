"""The follow-up survey's questions: the defaults, the organiser's edits, the answer form and reading answers.

Owns the question kinds (rating 1-5, single choice, number, free text; at most 10), the default questionnaire from
the checklist plus one number question tied to the plan (the engine driver the goal talks about, else new
opportunities per rep per week), the edit form's one-question-per-line format ("rating: Was the goal reached?",
"choice: Was the scope right? | Too narrow | About right | Too broad", "number: How many ...? [win_rate]",
"text: What went well?") with per-line errors, and the answer form (prefilled with a person's earlier answers).
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.cards import Form, FormField, Option

__all__ = [
    "ANSWER_FORM",
    "QUESTIONS_FORM",
    "MAX_QUESTIONS",
    "QUESTION_EXAMPLE",
    "default_questions",
    "questions_text",
    "parse_questions",
    "answer_form",
    "read_answers",
    "number_value",
]

ANSWER_FORM = "workshop_answer"
QUESTIONS_FORM = "workshop_questions"
MAX_QUESTIONS = 10
KINDS = ("rating", "choice", "number", "text")
QUESTION_EXAMPLE = "choice: Was the scope right? | Too narrow | About right | Too broad"
RATINGS = tuple(
    Option(str(n), label) for n, label in ((1, "1 - not at all"), (2, "2"), (3, "3"), (4, "4"), (5, "5 - fully"))
)

# the number question tied to the plan: the driver the goal talks about, asked as the team's own estimate
_DRIVER_QUESTIONS = (
    (("win rate", "win-rate", "conversion"), "win_rate", "What win rate (in %) can your team really reach?"),
    (("deal size", "deal value", "average deal"), "deal_size", "What average deal size can your team really reach?"),
    (("cycle", "faster close", "velocity"), "cycle_weeks", "How many weeks does a deal really take to close?"),
    (("hire", "headcount", "reps"), "reps", "How many reps will the team really have selling this period?"),
)
_DEFAULT_NUMBER = (
    "new_opps_per_rep_week",
    "How many new opportunities per rep per week can your team really create?",
)
DRIVER_NAMES = ("new_opps_per_rep_week", "win_rate", "deal_size", "cycle_weeks", "reps")


def default_questions(goal: str) -> list[dict[str, Any]]:
    """The checklist's questionnaire plus one number question tied to the plan's goal."""
    low = goal.lower()
    driver, number = next(
        ((d, q) for words, d, q in _DRIVER_QUESTIONS if any(w in low for w in words)), _DEFAULT_NUMBER
    )
    return [
        {"kind": "rating", "text": "Was the goal reached? (1 = not at all, 5 = fully)", "options": [], "driver": None},
        {"kind": "choice", "text": "Was the scope right?", "options": ["Too narrow", "About right", "Too broad"],
         "driver": None},
        {"kind": "text", "text": "What went well?", "options": [], "driver": None},
        {"kind": "text", "text": "What should we improve?", "options": [], "driver": None},
        {"kind": "text", "text": "Which decision matters most?", "options": [], "driver": None},
        {"kind": "number", "text": number, "options": [], "driver": driver},
    ]  # fmt: skip


def questions_text(questions: list[Any]) -> str:
    """The questions in the edit form's format (the form is prefilled with it)."""
    lines = []
    for q in questions:
        kind, text = _get(q, "kind"), _get(q, "text")
        if kind == "choice":
            lines.append(f"choice: {text} | " + " | ".join(_get(q, "options")))
        elif kind == "number" and _get(q, "driver"):
            lines.append(f"number: {text} [{_get(q, 'driver')}]")
        else:
            lines.append(f"{kind}: {text}")
    return "\n".join(lines)


def _get(q: Any, name: str) -> Any:
    return q[name] if isinstance(q, dict) else getattr(q, name)


def parse_questions(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Questions from the edit form, one per line; problems name the line, what was expected and an example."""
    questions: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        kind, sep, rest = line.partition(":")
        kind = kind.strip().lower().replace("single choice", "choice").replace("free text", "text")
        kind = {"rate": "rating", "scale": "rating", "select": "choice", "num": "number"}.get(kind, kind)
        if not sep or kind not in KINDS:
            problems.append(
                f"Question line {number}: start with the kind (rating, choice, number or text) and a colon, "
                f"e.g. “{QUESTION_EXAMPLE}”."
            )
            continue
        driver = None
        if kind == "number":
            found = re.search(r"\[([a-z_]+)\]\s*$", rest)
            if found:
                driver = found[1]
                rest = rest[: found.start()]
                if driver not in DRIVER_NAMES:
                    problems.append(
                        f"Question line {number}: [{driver}] is not a driver; use one of {', '.join(DRIVER_NAMES)}."
                    )
                    continue
        parts = [p.strip() for p in rest.split("|")]
        question, options = parts[0], [p for p in parts[1:] if p]
        if not question:
            problems.append(f"Question line {number}: the question text is missing, e.g. “{QUESTION_EXAMPLE}”.")
            continue
        if kind == "choice" and not 2 <= len(options) <= 10:
            problems.append(
                f"Question line {number}: a choice needs 2 to 10 options separated by |, e.g. “{QUESTION_EXAMPLE}”."
            )
            continue
        questions.append({"kind": kind, "text": question[:300], "options": options if kind == "choice" else [],
                          "driver": driver})  # fmt: skip
    if not questions and not problems:
        problems.append(f"Questions: give at least one, e.g. “{QUESTION_EXAMPLE}”.")
    if len(questions) > MAX_QUESTIONS:
        problems.append(f"Questions: at most {MAX_QUESTIONS}, got {len(questions)}; remove {len(questions) - 10}.")
    return questions, problems


def answer_form(workshop_id: int, title: str, questions: list[Any], previous: dict[str, Any] | None) -> Form:
    """The questionnaire as a form, prefilled with the person's earlier answers (they may change them)."""
    fields = []
    previous = previous or {}
    for q in questions:
        key = f"q{_get(q, 'position')}"
        before = previous.get(str(_get(q, "position")))
        initial = None if before in (None, "") else str(before)
        kind, text = _get(q, "kind"), _get(q, "text")
        if kind == "rating":
            fields.append(FormField(key, text, kind="select", options=RATINGS, optional=True, initial=initial))
        elif kind == "choice":
            options = tuple(Option(str(i), o) for i, o in enumerate(_get(q, "options")))
            chosen = next((o.value for o in options if o.label == before), None)
            fields.append(FormField(key, text, kind="select", options=options, optional=True, initial=chosen))
        elif kind == "number":
            fields.append(FormField(key, text, kind="number", optional=True, initial=initial))
        else:
            fields.append(FormField(key, text, optional=True, max_length=1000, initial=initial))
    return Form(ANSWER_FORM, "Workshop survey", tuple(fields), "Send answers", {"w": workshop_id})


def number_value(raw: str) -> float | None:
    text = raw.strip().replace(",", ".").rstrip("%").strip()
    try:
        return float(text)
    except ValueError:
        return None


def read_answers(questions: list[Any], values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Answers by question position from the submitted form; problems for a number that is not one."""
    answers: dict[str, Any] = {}
    problems: list[str] = []
    for q in questions:
        position, kind = _get(q, "position"), _get(q, "kind")
        raw = str(values.get(f"q{position}") or "").strip()
        if not raw:
            continue
        if kind == "rating":
            if raw in {o.value for o in RATINGS}:
                answers[str(position)] = int(raw)
        elif kind == "choice":
            options = list(_get(q, "options"))
            if raw.isdigit() and int(raw) < len(options):
                answers[str(position)] = options[int(raw)]
        elif kind == "number":
            value = number_value(raw)
            if value is None or value < 0:
                problems.append(f"“{_get(q, 'text')}”: “{raw[:40]}” is not a number; answer e.g. 8 or 8.5.")
            else:
                answers[str(position)] = value
        else:
            answers[str(position)] = raw[:1000]
    return answers, problems
