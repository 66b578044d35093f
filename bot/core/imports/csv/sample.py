"""Realistic, seeded CRM exports generated in memory: for the console's sample data, the tests and the benchmark.

Owns nothing the importer depends on; it writes files the way Salesforce and HubSpot do (quoting, currency
formats, US dates, the report footer) so that the importer is exercised on what users really upload.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from datetime import date, timedelta

__all__ = ["salesforce_export", "hubspot_export", "SALESFORCE_HEADER", "HUBSPOT_HEADER"]

SALESFORCE_HEADER = (
    "Opportunity Owner",
    "Account Name",
    "Opportunity Name",
    "Stage",
    "Amount",
    "Probability (%)",
    "Close Date",
    "Created Date",
    "Opportunity ID",
)
HUBSPOT_HEADER = (
    "Record ID",
    "Deal Name",
    "Deal Stage",
    "Amount",
    "Close Date",
    "Create Date",
    "Deal owner",
    "Pipeline",
)
_OPEN_SF = (("Prospecting", 10), ("Qualification", 10), ("Needs Analysis", 20), ("Value Proposition", 50),
            ("Proposal/Price Quote", 75), ("Negotiation/Review", 90))  # fmt: skip
_OPEN_HS = ("Appointment scheduled", "Qualified to buy", "Presentation scheduled", "Decision maker bought-in",
            "Contract sent")  # fmt: skip
_ACCOUNTS = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises",
             "Soylent", "Müller & Söhne GmbH", "Société Générale d'Exemple", "Tyrell", "Cyberdyne", "Wonka",
             "Vandelay")  # fmt: skip
_KINDS = ("renewal", "expansion", "new logo", "pilot", "upsell", "platform deal")


def _rows(
    n_rows: int, as_of: date, seed: int, reps: int, win_rate: float, all_open: bool = False
) -> Iterator[tuple[int, random.Random, str, str, str, float, date, date, str]]:
    rng = random.Random(seed)
    owners = [f"Rep {i + 1:02d}" for i in range(reps)]
    for i in range(n_rows):
        created = as_of - timedelta(days=rng.randint(0, 500))
        cycle = max(1, int(rng.gammavariate(4.0, 7.0)))
        amount = round(rng.lognormvariate(9.7, 0.7), 2)
        close = created + timedelta(days=cycle)
        if all_open:  # the worst case for storing: every row becomes a deal of the pipeline
            close = as_of + timedelta(days=1 + cycle % 120)
        if close <= as_of:
            outcome = "won" if rng.random() < win_rate else "lost"
        else:
            outcome = "open"
        yield i, rng, owners[i % reps], rng.choice(_ACCOUNTS), rng.choice(_KINDS), amount, created, close, outcome


def salesforce_export(
    n_rows: int,
    *,
    as_of: date = date(2026, 11, 16),
    seed: int = 7,
    reps: int = 25,
    win_rate: float = 0.3,
    all_open: bool = False,
) -> bytes:
    """A Salesforce opportunity report as "Export > Details only" writes it, footer lines included.
    `all_open` closes every deal after as_of (no history): the largest pipeline a file of that size can give."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(SALESFORCE_HEADER)
    for i, rng, owner, account, kind, amount, created, close, outcome in _rows(
        n_rows, as_of, seed, reps, win_rate, all_open
    ):
        if outcome == "open":
            stage, prob = rng.choice(_OPEN_SF)
        else:
            stage, prob = ("Closed Won", 100) if outcome == "won" else ("Closed Lost", 0)
        shown = f"USD {amount:,.2f}" if i % 2 else f"${amount:,.0f}"
        writer.writerow(
            [owner, account, f"{account} {kind}", stage, shown, prob, f"{close.month}/{close.day}/{close.year}",
             f"{created.month}/{created.day}/{created.year}", f"006{i:012d}"]
        )  # fmt: skip
    out.write('\r\n"Confidential Information - Do Not Distribute"\r\n')
    out.write('"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\r\n')
    return out.getvalue().encode("utf-8")


def hubspot_export(
    n_rows: int, *, as_of: date = date(2026, 11, 16), seed: int = 11, reps: int = 8, win_rate: float = 0.25
) -> bytes:
    """A HubSpot deals export (UTF-8 with BOM, ISO date-times, no probability column: it comes from the stage)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HUBSPOT_HEADER)
    for i, rng, owner, account, kind, amount, created, close, outcome in _rows(n_rows, as_of, seed, reps, win_rate):
        stage = rng.choice(_OPEN_HS) if outcome == "open" else ("Closed won" if outcome == "won" else "Closed lost")
        writer.writerow(
            [9_000_000 + i, f"{account} - {kind}", stage, f"{amount:.2f}", f"{close.isoformat()} 00:00",
             f"{created.isoformat()} 09:{i % 60:02d}", owner, "Sales Pipeline"]
        )  # fmt: skip
    return out.getvalue().encode("utf-8-sig")
