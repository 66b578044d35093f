"""`python -m bot ask [--baseline FILE.json | --csv FILE.csv] [--json] "QUESTION"`: one answer, no database.

Owns answering a question outside any chat: the same parser, engine and card builders as the bot, printed
as the console would show the card, or as JSON (`intent`, `changes`, `baseline` and `scenario` forecasts,
`text`). A question it cannot read is still an answer (exit 0, empty changes, the text says what to try).
A terminal is not a chat: the answer is plain text (no card markup, no buttons to press, no likes footer),
in the printed answer and in the JSON `text` alike.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date
from typing import Any

from bot.cli import read_baseline_file
from bot.console.render import render_text
from bot.core.baselines.feature import sample_baseline
from bot.core.baselines.freshness import engine_data, period_of
from bot.core.cards import Card
from bot.core.language import EXAMPLES, parse
from bot.core.scenarios.cards import (
    baseline_card,
    drivers_card,
    help_card,
    not_understood_card,
    required_rate_card,
    scenario_card,
)
from bot.core.scenarios.compute import compute_answer
from engine.baseline import parse_baseline

__all__ = ["ask", "answer"]

COMPUTED = ("forecast", "whatif", "required_rate", "drivers", "baseline")
NO_SET = (
    "“ask” does not change baselines. Put the new value in the baseline file, or use "
    "“python -m bot baseline import FILE.json ...” for a channel."
)


def _suggestions(parsed: Any) -> list[str]:
    out = list(parsed.suggestions or [])
    out += [e for e in EXAMPLES if e not in out]
    return out[:3]


def plain_text(card: Card) -> str:
    """The card as a terminal shows it outside a chat: markup removed, without buttons or the likes footer."""
    return render_text(dataclasses.replace(card, buttons=(), footer=None))


def answer(question: str, data: dict[str, Any], *, today: date | None = None) -> dict[str, Any]:
    """The JSON answer (plus the card under "card") to `question` on baseline `data`, asked on `today`."""
    period = period_of(data, today or date.today())
    if period is not None:
        period = dataclasses.replace(period, chat=False)
    data = engine_data(data)
    parsed = parse(question, parse_baseline(data))
    intent = parsed.intent
    changes = [c.to_dict() for c in parsed.changes]
    result: dict[str, Any] = {"intent": intent, "changes": changes, "baseline": None, "scenario": None}
    card: Card
    if intent in COMPUTED:
        confidence = parsed.confidence if isinstance(parsed.confidence, float) and 0 < parsed.confidence < 1 else 0.8
        confidences = tuple(sorted({0.5, round(confidence, 4)}))
        computed = compute_answer(data, changes, True, intent == "drivers", confidences)
        if computed.problems:
            result["changes"] = []
            card = not_understood_card(
                "That change is not possible: " + "; ".join(computed.problems), list(EXAMPLES)[:3]
            )
        else:
            result["baseline"], result["scenario"] = computed.baseline, computed.scenario
            focus = computed.scenario or computed.baseline
            if intent == "required_rate":
                card = required_rate_card(forecast=focus, confidence=confidence, question=question, period=period)
            elif intent == "drivers":
                scenario = computed.scenario is not None
                card = drivers_card(
                    forecast=focus,
                    baseline=computed.baseline if scenario else None,
                    period=period,
                    question=question if scenario else None,
                )
            elif intent == "baseline":
                card = baseline_card(baseline=data, version=None, forecast=computed.baseline, period=period)
            else:
                card = scenario_card(
                    question=question,
                    interpretation=list(parsed.interpretation),
                    baseline=computed.baseline,
                    scenario=computed.scenario,
                    chart_png=None,  # a terminal has nowhere to show it; the JSON carries the weekly path
                    currency=computed.baseline.get("currency") or "USD",
                    period=period,
                    changes=changes,
                )
    elif intent == "help":
        card = help_card(list(EXAMPLES))
    elif intent == "set":
        result["changes"] = []
        card = not_understood_card(NO_SET, _suggestions(parsed))
    else:
        result["changes"] = []
        card = not_understood_card(
            parsed.problem or f"I could not read “{question}” as a question.", _suggestions(parsed)
        )
    result["text"] = plain_text(card)
    result["card"] = card
    return result


def ask(
    question: str,
    *,
    baseline_file: str | None = None,
    csv_file: str | None = None,
    as_json: bool = False,
    as_of: date | str | None = None,
) -> int:
    if csv_file:
        from bot.cli.csv_import import baseline_from_csv  # the importer loads only when asked for

        data = baseline_from_csv(csv_file, as_of=as_of)
    else:
        data = read_baseline_file(baseline_file) if baseline_file else sample_baseline()
    result = answer(question, data)
    result.pop("card")
    if as_json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(result["text"])
    return 0
