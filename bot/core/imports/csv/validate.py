"""The import report: what was wrong with the file, by physical line, for the preview a user accepts or cancels.

Owns the policy: a file-level error (unreadable encoding, missing required column, unknown layout) imports
nothing; a row with errors is rejected and listed with its line number, field and what was expected, and the
other rows import once the user accepts. Long lists are capped ("and 212 more") so a chat message stays short.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["RowError", "ImportReport", "DEFAULT_CAP"]

DEFAULT_CAP = 50


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem on one row: `line` is the physical line the record starts on (the header is usually line 1)."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f" {self.column}:" if self.column else ""
        return f"line {self.line}:{where} {self.message}"


@dataclass
class ImportReport:
    """Every problem found: file-level errors, rejected rows (by line) and warnings that do not block."""

    file_errors: list[str] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cap: int = DEFAULT_CAP

    def file_error(self, message: str) -> None:
        self.file_errors.append(message)

    def row_error(self, line: int, column: str, message: str) -> None:
        self.row_errors.append(RowError(line, column, message))

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    @property
    def ok(self) -> bool:
        """True when nothing was rejected and the file as a whole was readable."""
        return not self.file_errors and not self.row_errors

    @property
    def blocked(self) -> bool:
        """True when the whole file is refused: nothing may be imported."""
        return bool(self.file_errors)

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({error.line for error in self.row_errors})

    def lines(self, cap: int | None = None) -> list[str]:
        """The report as text: file errors, the first `cap` row errors and "... and N more", then warnings."""
        cap = self.cap if cap is None else cap
        out = [f"File: {message}" for message in self.file_errors]
        rows = sorted(self.row_errors, key=lambda e: e.line)
        out += [str(error) for error in rows[:cap]]
        if len(rows) > cap:
            more = len(rows) - cap
            out.append(f"... and {more} more problem{'s' if more != 1 else ''} (first {cap} shown)")
        out += [f"Note: {message}" for message in self.warnings]
        return out

    def to_text(self, cap: int | None = None) -> str:
        return "\n".join(self.lines(cap))

    def to_dict(self, cap: int | None = None) -> dict[str, Any]:
        cap = self.cap if cap is None else cap
        rows = sorted(self.row_errors, key=lambda e: e.line)
        return {
            "file_errors": list(self.file_errors),
            "row_errors": [{"line": e.line, "column": e.column, "message": e.message} for e in rows[:cap]],
            "more_row_errors": max(0, len(rows) - cap),
            "rejected_rows": len(self.rejected_lines),
            "warnings": list(self.warnings),
        }
