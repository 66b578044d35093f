"""One data row of an export in, a `CrmRow` or the list of what is wrong with it out.

Owns the row rules: won, lost or open (Salesforce's Won/Closed flags when present, else the stage name);
a close date always; an amount for open and won deals (a lost deal may have none); for open deals a
probability from the file or, failing that, from the stage's default; a unique id when the file has ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from engine.baseline import MAX_MONEY

from .formats import Mapping, classify_stage, stage_probability
from .history import CrmRow
from .values import DATE_EXAMPLES, parse_amount, parse_bool, parse_date, parse_percent, unescape_formula

__all__ = ["RowReader"]


@dataclass
class RowReader:
    """Reads rows with the column-level decisions already made (date order, decimal comma, percent scale)."""

    mapping: Mapping
    index: dict[str, int]
    width: int
    date_order: str
    decimal_comma: bool
    percent_scale: float
    seen: dict[str, int] = field(default_factory=dict)

    def read(self, line: int, cells: list[str]) -> tuple[CrmRow | None, str | None, list[tuple[str, str]]]:
        """The row and its currency code, or None and the (field, message) problems that reject it."""
        index = self.index
        if (len(cells) < self.width and max(index.values()) >= len(cells)) or (
            len(cells) > self.width and any(c.strip() for c in cells[self.width :])
        ):
            hint = (
                "a quote opened on this line is never closed, so the lines after it were read into one field"
                if any("\n" in c for c in cells)
                else "a missing delimiter or quote?"
            )
            return None, None, [("", f"has {len(cells)} fields, the header has {self.width} ({hint})")]

        def cell(name: str) -> str:
            i = index.get(name)
            return unescape_formula(cells[i].strip()) if i is not None and i < len(cells) else ""

        errors: list[tuple[str, str]] = []
        stage = cell("stage")
        outcome = self._outcome(stage, cell("closed"), cell("won"), errors)
        row_id = self._id(cell("id"), line, errors)
        close = self._date(cell("close_date"), "close_date", errors, required=True)
        created = self._date(cell("created_date"), "created_date", errors, required=False)
        amount, currency = self._amount(cell("amount"), outcome, errors)
        currency = currency or cell("currency").upper() or None
        probability = self._probability(cell("probability"), stage, errors) if outcome == "open" else None
        if errors or close is None:
            return None, None, errors
        row = CrmRow(
            line=line,
            id=row_id,
            outcome=outcome,
            close_date=close,
            amount=amount,
            probability=probability,
            created_date=created,
            name=cell("name") or cell("account"),
            stage=stage or None,
            owner=cell("owner") or None,
        )
        return row, currency, errors

    def _outcome(self, stage: str, closed: str, won: str, errors: list[tuple[str, str]]) -> str:
        # Salesforce's Closed/Won flags are exact where a custom stage name ("Signed", "Dead") is not.
        if closed:
            try:
                if not parse_bool(closed):
                    return "open"
                return "won" if won and parse_bool(won) else "lost"
            except ValueError as exc:
                errors.append(("closed", str(exc)))
        return classify_stage(stage)

    def _id(self, raw: str, line: int, errors: list[tuple[str, str]]) -> str:
        if "id" not in self.index:
            return f"row-{line}"  # no id column: the line number is the only stable handle
        if not raw:
            errors.append(("id", "missing id"))
        elif raw in self.seen:
            errors.append(("id", f"duplicate id {raw!r} (first on line {self.seen[raw]}, which is kept)"))
        else:
            self.seen[raw] = line
        return raw

    def _date(self, raw: str, name: str, errors: list[tuple[str, str]], *, required: bool) -> date | None:
        if not raw:
            if required:
                errors.append(
                    (name, f"missing {name.replace('_', ' ')} (expected e.g. {DATE_EXAMPLES[self.date_order]})")
                )
            return None
        try:
            return parse_date(raw, order=self.date_order)
        except ValueError as exc:
            errors.append((name, str(exc)))
            return None

    def _amount(self, raw: str, outcome: str, errors: list[tuple[str, str]]) -> tuple[float | None, str | None]:
        if not raw:
            if outcome != "lost":
                errors.append(("amount", f"missing amount (an {outcome} deal needs one, e.g. 12500)"))
            return None, None
        try:
            amount, code = parse_amount(raw, decimal_comma=self.decimal_comma)
        except ValueError as exc:
            errors.append(("amount", str(exc)))
            return None, None
        if amount < 0:
            errors.append(("amount", f"must not be negative, got {raw!r}"))
        elif not amount <= MAX_MONEY:  # also catches inf: 400 digits parse as inf
            errors.append(
                ("amount", f"{raw[:40]!r} is too large: amounts up to {MAX_MONEY:,.0f} are supported (e.g. 12500)")
            )
            return None, code
        return amount, code

    def _probability(self, raw: str, stage: str, errors: list[tuple[str, str]]) -> float | None:
        if not raw:
            value = stage_probability(self.mapping.format, stage, self.mapping.stage_probabilities)
            if value is None:
                example = f"{{{(stage or 'Proposal')!r}: 0.5}}"
                errors.append(
                    (
                        "probability",
                        f"missing, and stage {stage!r} has no default probability: add a probability to the row "
                        f"or give the stage one in the mapping (e.g. stage_probabilities={example})",
                    )
                )
            return value
        try:
            number, has_sign = parse_percent(raw, decimal_comma=self.decimal_comma)
        except ValueError as exc:
            errors.append(("probability", str(exc)))
            return None
        percent = has_sign or self.percent_scale == 100
        value = number / (100.0 if percent else 1.0)
        if not 0.0 <= value <= 1.0:
            shown = "0 to 100%" if percent else "0 to 1 (0.4 means 40%)"
            errors.append(("probability", f"{raw!r} is out of range (expected {shown})"))
        return value
