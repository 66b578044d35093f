"""Cards of a CSV import: the preview with "Use as baseline" / "Cancel", the refusals, and how to import.

Owns what a person sees before anything is stored: rows read and what became of them, the pipeline in the
period (total and weighted), deals outside it, the drivers fitted from history with their sample sizes and
warnings, the history window they were fitted over, and for each one whether the new baseline uses the fitted
value or keeps the current one (a button switches it), the rejected rows by line number (capped), and the
chance of reaching the target with the baseline exactly as the card shows it (what "Use as baseline" stores).
Pure functions of the preview JSON that bot.core.imports.flow builds (and storage keeps), so a decided card can
be re-rendered later without the file.
"""

from __future__ import annotations

from typing import Any

from bot.core.cards import Block, Button, Card, Fact, Facts, Text
from bot.core.formatting import driver_value, money, number, pct, user
from bot.core.imports.choices import DRIVER_LABELS, DRIVERS
from bot.core.scenarios.cards import trim_title

__all__ = [
    "ACCEPT_ACTION",
    "CANCEL_ACTION",
    "DRIVER_ACTION",
    "DRIVER_ACTIONS",
    "import_preview_card",
    "import_error_card",
    "import_mapping_card",
    "import_help_card",
    "import_help_text",
]

ACCEPT_ACTION = "import.accept"
CANCEL_ACTION = "import.cancel"
# one action id per driver ("import.driver.win_rate"): Slack refuses a message whose actions block repeats one
DRIVER_ACTION = "import.driver"
DRIVER_ACTIONS = tuple(f"{DRIVER_ACTION}.{name}" for name in DRIVERS)
_LINE = 240  # a rejected row's message is cut here: the card must stay readable (and under Slack's limits)


_LABELS = {"target": "Target", "booked": "Booked so far", **DRIVER_LABELS}


def _cur(preview: dict[str, Any]) -> str:
    return preview.get("currency") or "USD"


def _counts_line(preview: dict[str, Any]) -> str:
    c = preview["counts"]
    rows = f"{c['read']:,} row{'' if c['read'] == 1 else 's'}"
    return (
        f"{preview['format']}: {rows} read: {c['open']:,} open, {c['won']:,} won, {c['lost']:,} lost, "
        f"{c['rejected']:,} rejected."
    )


def _driver_line(driver: dict[str, Any], cur: str) -> str:
    name, label = driver["name"], driver["label"]
    fitted, used = driver.get("fitted"), driver.get("value")
    if fitted is None:
        kept = f": keeps {driver_value(name, used, cur)}" if used is not None else ""
        return f"- {label}: nothing to fit it from{kept}"
    shown = driver_value(name, fitted, cur)
    if driver.get("cv") is not None and name in ("deal_size", "cycle_weeks"):
        shown += f" (cv {number(driver['cv'])})"
    line = f"- {label}: {shown} from a sample of {driver['sample']:,}"
    choice = driver.get("choice", "fitted" if driver.get("trusted") else "keep")
    overridden = "choice" in driver and choice != driver.get("default")
    if driver.get("trusted"):
        if choice == "fitted":
            return line + " (used)"
        return f"{line}; keeps the current {driver_value(name, used, cur)} (your choice)"
    warning = driver.get("warning") or "sample too small"
    if choice == "fitted" and overridden:
        return f"{line}: {warning}; used anyway (your choice)"
    kept = f"; keeps {driver_value(name, used, cur)}" if used is not None else ""
    return f"{line}: {warning}{kept}"


def _window_line(preview: dict[str, Any]) -> str:
    weeks = preview.get("window_weeks")
    if not weeks:
        return ""
    covered = preview.get("weeks_covered")
    span = (
        f"; the file covers {number(covered)} of them, so rates are per covered week"
        if covered and covered < weeks
        else ""
    )
    return f" over the last {weeks} weeks (since {preview['window_start']}{span})"


def _driver_button(driver: dict[str, Any], import_id: int | None, cur: str) -> Button:
    name, label = driver["name"], driver["label"].lower()
    if driver.get("choice") == "fitted":
        text, use = f"Keep current {label} {driver_value(name, driver.get('current'), cur)}", "keep"
    else:
        text, use = f"Use fitted {label} {driver_value(name, driver.get('fitted'), cur)}", "fitted"
    value = {"import_id": import_id, "driver": name, "use": use}
    return Button(trim_title(text, 75), f"{DRIVER_ACTION}.{name}", value)


def _report_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    for error in report.get("row_errors", []):
        # column names and messages quote the file's cells: a person's text, never markup
        column = f" {user(error['column'])}:" if error.get("column") else ""
        lines.append(trim_title(f"- line {error['line']}:{column} {user(error['message'])}", _LINE))
    if report.get("more_row_errors"):
        lines.append(f"- … and {report['more_row_errors']:,} more")
    return lines


def _notes(preview: dict[str, Any]) -> list[str]:
    return [trim_title(f"Note: {user(w)}", _LINE) for w in (preview.get("report") or {}).get("warnings", [])]


def _body(preview: dict[str, Any]) -> list[Block]:
    cur = _cur(preview)
    outside = preview["outside"]
    as_of_note = preview.get("as_of_note")
    facts = [
        Fact("As of", f"{preview['as_of']} ({as_of_note})" if as_of_note else preview["as_of"]),
        Fact("Period", f"{preview['as_of']} → {preview['period_end']} ({preview['period_note']})"),
        Fact("Open deals in period", f"{preview['in_period']:,}"),
        Fact(
            "Pipeline in period",
            f"{money(preview['pipeline_total'], cur)} total, {money(preview['pipeline_weighted'], cur)} weighted",
        ),
        Fact(
            "Outside the period",
            f"{outside['count']:,} open deal{'' if outside['count'] == 1 else 's'} ({outside['overdue']:,} overdue, "
            f"{outside['later']:,} later), "
            "left out of the forecast",
        ),
    ]
    sources = preview.get("sources") or {}
    if preview.get("target") is not None:
        borrowed = sources.get("target")
        how = "; set yours with “/scenario set target 2.5M”" if borrowed and "sample team" in borrowed else ""
        facts.append(
            Fact(
                "Target",
                f"{money(preview['target'], cur)} ({borrowed}{how})" if borrowed else money(preview["target"], cur),
            )
        )
    if preview.get("booked") is not None:
        if preview.get("booked_from_file"):
            since = f" since {preview['period_start']}" if preview.get("period_start") else " since the period began"
            source = f"won deals in the file closed{since}"
        else:
            source = sources.get("booked") or "kept from the baseline"
        facts.append(Fact("Booked so far", f"{money(preview['booked'], cur)} ({source})"))
    if preview.get("p_hit") is not None:
        before = preview.get("p_hit_before")
        was = f" (now {pct(before)})" if before is not None else ""
        facts.append(Fact("P(reach target)", f"{pct(preview['p_hit'])} with this baseline{was}"))
    blocks: list[Block] = [Text(_counts_line(preview)), Facts(tuple(facts))]
    drivers = preview.get("drivers") or []
    if drivers:
        heading = f"*Drivers fitted from history*{_window_line(preview)}"
        blocks.append(Text(heading + "\n" + "\n".join(_driver_line(d, cur) for d in drivers)))
    borrowed = [f"- {_LABELS.get(k, k)}: {why}" for k, why in sources.items()]
    if borrowed:
        blocks.append(Text("*Not from this file* (stored with the baseline as its sources)\n" + "\n".join(borrowed)))
    rejected = _report_lines(preview.get("report") or {})
    if rejected:
        blocks.append(Text("*Rejected rows* (left out; the other rows import)\n" + "\n".join(rejected)))
    notes = _notes(preview)
    if notes:
        blocks.append(Text("\n".join(notes)))
    return blocks


def import_preview_card(
    preview: dict[str, Any], import_id: int | None, *, decided: str | None = None, rev: int | None = None
) -> Card:
    """The preview with "Use as baseline" and "Cancel" (value {"import_id": id[, "rev": n]}) and, for each driver
    that has both a fitted and a current value, a button switching between them (action "import.driver.<name>",
    value {"import_id", "driver", "use"}); `rev` (the revision of the choices) lets "Use as baseline" refuse a
    card older than the stored choices. `decided` replaces the buttons with what happened ("Used as baseline
    v3 by ...")."""
    blocks = _body(preview)
    buttons: tuple[Button, ...] = ()
    if decided is None:
        toggles = [d for d in preview.get("drivers") or [] if d.get("toggle") and import_id is not None]
        switch = (
            " The driver buttons (in Teams, under *Change drivers…*) switch each driver between its fitted and its "
            "current value."
            if toggles
            else ""
        )
        window = " “/scenario import window 26” fits the drivers over another window (4 to 260 weeks)."
        blocks.append(
            Text(
                f"Nothing is stored until someone in this channel presses *Use as baseline*. The new baseline keeps "
                f"the target and any driver not fitted from {preview['base_note']}.{switch}"
                + (window if import_id is not None and preview.get("window_weeks") else "")
            )
        )
        value: dict[str, Any] = {"import_id": import_id}
        if rev is not None:
            value["rev"] = rev
        buttons = (
            Button("Use as baseline", ACCEPT_ACTION, value, style="primary"),
            Button("Cancel", CANCEL_ACTION, {"import_id": import_id}),
            *(_driver_button(d, import_id, _cur(preview)) for d in toggles),
        )
    title = trim_title(f"Import preview: {preview['source']}")
    return Card(title=title, blocks=tuple(blocks), buttons=buttons, footer=decided, kind="import")


def import_error_card(preview: dict[str, Any], problem: str) -> Card:
    """A file that cannot be imported at all (or would give an invalid baseline): why, and nothing pending."""
    lines = [trim_title(f"- {user(line)}", _LINE) for line in problem.split("; ") if line][:10]
    blocks: list[Block] = [Text("\n".join(lines) or "The file could not be read.")]
    rejected = _report_lines(preview.get("report") or {})
    if rejected:
        blocks.append(Text("*Rows with problems*\n" + "\n".join(rejected)))
    notes = _notes(preview)
    if notes:
        blocks.append(Text("\n".join(notes)))
    blocks.append(
        Text("Nothing was stored; the channel's baseline is unchanged. “/scenario import” shows the formats.")
    )
    return Card(title=trim_title(f"Could not import {preview['source']}"), blocks=tuple(blocks), kind="error")


def import_mapping_card(preview: dict[str, Any], problem: str) -> Card:
    """An unknown layout: the suggested mapping and how to confirm it (rename the columns and upload again)."""
    # "amount <- 'Deal Value' (92%)": the file's column names, shown as written
    suggested = "\n".join(f"- {user(line)}" for line in str(preview.get("mapping") or "").splitlines()[:15])
    text = (
        "I do not recognise this layout (it is not a Salesforce or HubSpot export). This is how I would read it; "
        "the percentages say how sure I am of each column:"
    )
    confirm = (
        "To confirm, rename the columns in the file to the names I know and upload it again: "
        "Id, Name, Amount, Probability (%), Close Date, Stage, Owner (the bot's own export layout), or export "
        "straight from Salesforce or HubSpot. Nothing was stored."
    )
    blocks = (Text(text), Text(suggested or "- (no column matched)"), Text(confirm))
    return Card(title=trim_title(f"Which column is which in {preview['source']}?"), blocks=blocks, kind="error")


def import_help_text() -> str:
    return (
        "Upload a CSV export of your opportunities: in a DM with me, or in a channel in a message that "
        "@mentions me. I show a preview (rows read, pipeline in the period, drivers fitted from your history, "
        "rejected rows by line) and store nothing until someone presses *Use as baseline*.\n"
        "*Formats*: Salesforce opportunity report (Export > Details only, CSV), HubSpot deal export (CSV), and "
        "my own pipeline export (Id, Name, Amount, Probability (%), Close Date, Stage, Owner). Other layouts: I "
        "suggest which column is which; rename the columns and upload again. Up to 50 MB; UTF-8, UTF-16 or "
        "Windows-1252; comma, semicolon, tab or pipe separated.\n"
        "*Period*: this channel's baseline period, or without a baseline today to the end of the quarter.\n"
        "*Drivers*: fitted over the last 52 weeks; “/scenario import window 26” re-fits the preview over another "
        "window (4 to 260 weeks), and a button per driver keeps your current value or uses the fitted one.\n"
        "Admins: “python -m bot baseline import FILE.csv --platform slack --workspace ID --channel ID --yes”."
    )


def import_help_card() -> Card:
    return Card(title="Importing your pipeline from a CSV", blocks=(Text(import_help_text()),), kind="help")
