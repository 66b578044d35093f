"""The what-if language: free-text questions about the sales target read into intents and engine changes.

Owns the public face of the parser: `parse(text, baseline, today=None) -> Parsed`, `parse_set(text, baseline)`
for `set <driver> <value>`, `Parsed` and the help `EXAMPLES`. The parts live beside it: numbers.py (number
words, amounts, units), dates.py (period end), drivers.py (numeric drivers and their arithmetic), deals.py
(deal names, outcomes, "the biggest deal"), intents.py (question kinds, cleaning, clauses), echo.py (the
"win rate 25% → 20%" lines), suggest.py (examples and suggestions), parser.py (putting it together).
"""

from __future__ import annotations

from bot.core.language.parser import Parsed, parse, parse_set
from bot.core.language.suggest import EXAMPLES, SET_EXAMPLES

__all__ = ["EXAMPLES", "SET_EXAMPLES", "Parsed", "parse", "parse_set"]
