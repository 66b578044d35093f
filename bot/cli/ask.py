"""`python -m bot ask [--baseline FILE.json | --csv FILE.csv] [--json] "QUESTION"`: one answer, no database.

Owns answering a question outside any chat: the same parser, engine and card builders as the bot, printed
as the console would show the card, or as JSON (`intent`, `changes`, `baseline` and `scenario` forecasts,
`text`, and `solve_for`, `requirement` (engine.solve.Requirement as a dict, for "how many reps do we need"),
`at_risk_owners`, `at_risk_deals`, `suggestions`). A question it cannot read is still an answer (exit 0, empty
changes, the text says what to try); so is a "Did you mean …?" (the problem and the suggested questions).
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
    at_risk_block,
    baseline_card,
    drivers_card,
    help_card,
    not_understood_card,
    required_rate_card,
    scenario_card,
)
from bot.core.scenarios.compute import compute_answer, compute_requirement, confidence_of
from bot.core.scenarios.solve_cards import clarify_card, required_value_card
from engine.baseline import parse_baseline
from engine.forecast import Forecast

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
    result: dict[str, Any] = {
        "intent": intent,
        "changes": changes,
        "baseline": None,
        "scenario": None,
        "solve_for": parsed.solve_for,
        "requirement": None,
        "at_risk_owners": list(parsed.at_risk_owners),
        "at_risk_deals": list(parsed.at_risk_deals),
        "suggestions": [],
    }
    at_risk = at_risk_block(parsed.at_risk_owners, parsed.at_risk_deals, data, changes)
    card: Card
    if intent == "required_value" and parsed.solve_for:
        card = _required_value(result, parsed, data, question, period, at_risk)
    elif intent == "clarify" and parsed.suggestions:
        result["suggestions"] = list(parsed.suggestions)
        # a terminal has no buttons to tap: the questions are listed to be asked again
        card = clarify_card(parsed.problem or "Did you mean one of these?", list(parsed.suggestions), buttons=False)
    elif intent in COMPUTED:
        confidence = confidence_of(parsed)
        confidences = tuple(sorted({0.5, round(confidence, 4)}))
        computed = compute_answer(data, changes, True, intent == "drivers", confidences)
        if computed.problems or computed.baseline is None:
            result["changes"] = []
            card = not_understood_card(
                "That change is not possible: " + "; ".join(computed.problems), list(EXAMPLES)[:3]
            )
        else:
            result["baseline"], result["scenario"] = _as_json(computed.baseline), _as_json(computed.scenario)
            focus = computed.scenario or computed.baseline
            if intent == "required_rate":
                card = required_rate_card(
                    forecast=focus, confidence=confidence, question=question, period=period, at_risk=at_risk
                )
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
                    currency=computed.baseline.currency or "USD",
                    period=period,
                    changes=changes,
                    at_risk=at_risk,
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


def _as_json(forecast: Forecast | None) -> dict[str, Any] | None:
    """A forecast as the `--json` answer carries it (DESIGN section 5: the fields of `python -m engine forecast`)."""
    return None if forecast is None else forecast.to_dict()


def _required_value(
    result: dict[str, Any], parsed: Any, data: dict[str, Any], question: str, period: Any, at_risk: str | None
) -> Card:
    """ "How many reps do we need?": the requirement (solved on the scenario when a condition is given) and the
    baseline and scenario forecasts, as for a what-if."""
    changes = result["changes"]
    needed = compute_requirement(data, changes, parsed.solve_for, confidence_of(parsed))
    if needed.problems or needed.requirement is None:
        result["changes"] = []
        return not_understood_card("That change is not possible: " + "; ".join(needed.problems), list(EXAMPLES)[:3])
    computed = compute_answer(data, changes, False, False, tuple(sorted({0.5, confidence_of(parsed)})))
    result["baseline"], result["scenario"] = _as_json(computed.baseline), _as_json(computed.scenario)
    result["requirement"] = needed.requirement.to_dict()
    return required_value_card(
        requirement=needed.requirement,
        question=question,
        currency=needed.currency,
        target=needed.target,
        weeks_left=needed.weeks_left,
        baseline_p_hit=needed.baseline_p_hit,
        ramp=needed.ramp,
        interpretation=list(parsed.interpretation),
        changes=changes,
        at_risk=at_risk,
        period=period,
    )


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
