"""Which CRM wrote the file, and which column holds which field: format detection and column mapping.

Owns the known export layouts (Salesforce opportunity reports, HubSpot deal exports, this bot's own pipeline
export), the fuzzy `suggest_mapping` for any other CSV (the user confirms it before anything is imported),
the stage tables that give an open deal its probability when the file has no probability column, and the
rule that tells won, lost and open stages apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

__all__ = [
    "FIELDS",
    "FORMAT_LABELS",
    "Mapping",
    "detect_format",
    "find_header",
    "suggest_mapping",
    "classify_stage",
    "stage_probability",
    "norm_header",
    "column_title",
]

# The fields a row can carry, and what each means to the importer.
FIELDS = (
    "id",
    "name",
    "account",
    "stage",
    "amount",
    "currency",
    "probability",
    "close_date",
    "created_date",
    "owner",
    "pipeline",
    "won",
    "closed",
)
FORMAT_LABELS = {
    "salesforce": "Salesforce opportunity report",
    "hubspot": "HubSpot deal export",
    "scenario-bot": "Scenario bot pipeline export",
    "generic": "CSV with a confirmed column mapping",
}

# Header names per known format, normalised (lower case, single spaces); the first match in a list wins.
_KNOWN: dict[str, dict[str, tuple[str, ...]]] = {
    "salesforce": {
        "id": ("opportunity id", "opportunity id (18)", "id"),
        "name": ("opportunity name",),
        "account": ("account name",),
        "stage": ("stage",),
        "amount": ("amount", "amount (converted)", "total amount"),
        "currency": ("amount currency", "opportunity currency", "currency"),
        "probability": ("probability (%)", "probability"),
        "close_date": ("close date",),
        "created_date": ("created date", "create date"),
        "owner": ("opportunity owner", "owner full name", "owner"),
        "won": ("won",),
        "closed": ("closed",),
    },
    "hubspot": {
        "id": ("record id", "deal id"),
        "name": ("deal name",),
        "stage": ("deal stage",),
        "amount": ("amount", "amount in company currency"),
        "currency": ("currency",),
        "probability": ("deal probability",),
        "close_date": ("close date",),
        "created_date": ("create date",),
        "owner": ("deal owner",),
        "pipeline": ("pipeline",),
    },
    "scenario-bot": {
        "id": ("id",),
        "name": ("name",),
        "amount": ("amount",),
        "currency": ("currency",),
        "probability": ("probability (%)",),
        "close_date": ("close date",),
        "stage": ("stage",),
        "owner": ("owner",),
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "salesforce": ("stage", "amount", "close_date"),
    "hubspot": ("stage", "amount", "close_date"),
    "scenario-bot": ("id", "amount", "probability", "close_date"),
    "generic": ("amount", "close_date"),
}

# Words people use for each field in hand-made sheets and other CRMs (Pipedrive, Zoho, Dynamics, Close).
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("id", "deal id", "opportunity id", "record id", "opp id", "external id", "key"),
    "name": ("name", "deal name", "opportunity name", "opportunity", "deal", "title", "topic", "subject"),
    "account": ("account", "account name", "company", "customer", "organization", "client"),
    "stage": ("stage", "deal stage", "sales stage", "status", "phase", "pipeline stage"),
    "amount": ("amount", "value", "deal value", "revenue", "est revenue", "deal amount", "price", "total"),
    "currency": ("currency", "currency code", "amount currency"),
    "probability": ("probability", "probability (%)", "win probability", "chance", "likelihood", "confidence"),
    "close_date": ("close date", "expected close date", "est close date", "closing date", "close", "due date"),
    "created_date": ("created date", "create date", "created", "created on", "add time", "date created", "opened"),
    "owner": ("owner", "deal owner", "opportunity owner", "sales rep", "rep", "assigned to", "salesperson"),
    "pipeline": ("pipeline",),
}

# Default probabilities by stage, used for open deals when the file has no probability column.
SALESFORCE_STAGES = {
    "prospecting": 0.10,
    "qualification": 0.10,
    "needs analysis": 0.20,
    "value proposition": 0.50,
    "id decision makers": 0.60,
    "perception analysis": 0.70,
    "proposal price quote": 0.75,
    "negotiation review": 0.90,
    "closed won": 1.0,
    "closed lost": 0.0,
}
HUBSPOT_STAGES = {
    "appointment scheduled": 0.20,
    "appointmentscheduled": 0.20,
    "qualified to buy": 0.40,
    "qualifiedtobuy": 0.40,
    "presentation scheduled": 0.60,
    "presentationscheduled": 0.60,
    "decision maker bought in": 0.80,
    "decisionmakerboughtin": 0.80,
    "contract sent": 0.90,
    "contractsent": 0.90,
    "closed won": 1.0,
    "closedwon": 1.0,
    "closed lost": 0.0,
    "closedlost": 0.0,
}
_STAGE_TABLES = {
    "salesforce": SALESFORCE_STAGES,
    "hubspot": HUBSPOT_STAGES,
    "generic": {**SALESFORCE_STAGES, **HUBSPOT_STAGES},
}


@dataclass(frozen=True)
class Mapping:
    """Which header holds which field (`columns`: field -> header text as in the file), and how to read it.

    `date_order` ("mdy", "dmy" or "ymd") and `decimal_comma` override what the importer guesses from the data;
    `stage_probabilities` (stage -> 0..1) adds to or overrides the format's stage table. `scores` are the fuzzy
    match confidences (0..100) of a suggestion, and `missing` the required fields nothing was matched to.
    """

    columns: dict[str, str]
    format: str = "generic"
    date_order: str | None = None
    decimal_comma: bool | None = None
    stage_probabilities: dict[str, float] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return FORMAT_LABELS.get(self.format, self.format)

    def describe(self) -> str:
        """One line per field, for the user to confirm: "amount <- 'Deal Value' (92%)"."""
        lines = []
        for name in FIELDS:
            if name in self.columns:
                score = f" ({self.scores[name]:.0f}%)" if name in self.scores else ""
                lines.append(f"{name} <- {self.columns[name]!r}{score}")
        lines += [f"{name} <- (no column found; required)" for name in self.missing]
        return "\n".join(lines)


def norm_header(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").strip().lower().split())


def _norm_stage(text: str) -> str:
    text = re.sub(r"\(.*?\)", " ", text.lower())  # HubSpot appends the pipeline: "Closed won (Sales Pipeline)"
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _known_mapping(fmt: str, header: Sequence[str]) -> Mapping:
    by_norm: dict[str, str] = {}
    for cell in header:
        by_norm.setdefault(norm_header(cell), cell)
    columns = {}
    for name, candidates in _KNOWN[fmt].items():
        for candidate in candidates:
            if candidate in by_norm:
                columns[name] = by_norm[candidate]
                break
    missing = tuple(name for name in REQUIRED[fmt] if name not in columns)
    return Mapping(columns=columns, format=fmt, missing=missing)


def column_title(fmt: str, name: str) -> str:
    """The header a format uses for a field, as a person would look for it: "Close Date"."""
    candidates = _KNOWN.get(fmt, {}).get(name) or _SYNONYMS.get(name) or (name.replace("_", " "),)
    return repr(" ".join(word if word.startswith("(") else word.capitalize() for word in candidates[0].split()))


def detect_format(header: Sequence[str]) -> Mapping | None:
    """The known format whose marker columns the header carries, mapped; None for any other CSV."""
    names = {norm_header(cell) for cell in header}
    if names & {"opportunity name", "opportunity owner", "opportunity id"} and "stage" in names:
        return _known_mapping("salesforce", header)
    if names & {"deal name", "deal stage"} or ("record id" in names and "pipeline" in names):
        return _known_mapping("hubspot", header)
    if {"id", "amount", "probability (%)", "close date"} <= names:
        return _known_mapping("scenario-bot", header)
    return None


def suggest_mapping(header: Sequence[str], *, threshold: float = 80.0) -> Mapping:
    """The most likely header for each field (fuzzy match), each header used at most once, for the user to confirm."""
    normed = [norm_header(cell) for cell in header]
    candidates: list[tuple[float, int, str, int]] = []  # score, -priority, field, column index
    for priority, name in enumerate(_SYNONYMS):
        for synonym in _SYNONYMS[name]:
            for match, score, index in process.extract(synonym, normed, scorer=fuzz.ratio, limit=None):
                if score >= threshold and match:
                    candidates.append((score, -priority, name, index))
    columns: dict[str, str] = {}
    scores: dict[str, float] = {}
    used: set[int] = set()
    for score, _, name, index in sorted(candidates, reverse=True):
        if name in columns or index in used:
            continue
        columns[name], scores[name] = header[index], round(score, 1)
        used.add(index)
    missing = tuple(name for name in REQUIRED["generic"] if name not in columns)
    if "stage" not in columns and "probability" not in columns:
        missing += ("stage",)
    return Mapping(columns=columns, format="generic", scores=scores, missing=missing)


def find_header(rows: Sequence[tuple[int, list[str]]]) -> int:
    """The index of the header among the first rows: report exports may put a title and filters above it."""
    for i, (_, cells) in enumerate(rows):
        if detect_format(cells) is not None:
            return i
    for i, (_, cells) in enumerate(rows):
        if len(cells) >= 2 and not suggest_mapping(cells).missing:
            return i
    for i, (_, cells) in enumerate(rows):
        if sum(1 for cell in cells if cell.strip()) >= 2:
            return i
    return 0


def classify_stage(stage: str) -> str:
    """ "won", "lost" or "open" for a stage name as CRMs write it ("Closed Won", "closedlost", "Won")."""
    words = _norm_stage(stage)
    if not words:
        return "open"
    compact = words.replace(" ", "")
    if compact in {"closedwon", "won"} or ("won" in words.split() and "closed" in compact):
        return "won"
    if compact in {"closedlost", "lost"} or ("lost" in words.split() and "closed" in compact):
        return "lost"
    return "open"


def stage_probability(fmt: str, stage: str, extra: dict[str, float]) -> float | None:
    """The default probability of an open stage, from the user's table first, then the format's."""
    key = _norm_stage(stage)
    for table in ({_norm_stage(k): v for k, v in extra.items()}, _STAGE_TABLES.get(fmt, {})):
        if key in table:
            return table[key]
    return None
