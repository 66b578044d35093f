"""The forecast engine: pure numbers in, numbers out (DESIGN section 2). No I/O, no clock, no global random state."""

from engine.baseline import (
    Baseline,
    BaselineError,
    Deal,
    Distribution,
    Hire,
    baseline_to_dict,
    parse_baseline,
    week_ends,
)
from engine.changes import DRIVERS, Change, apply_changes, change_from_dict, current_value
from engine.forecast import Forecast, forecast
from engine.solve import Requirement, required_value

__all__ = [
    "Baseline",
    "BaselineError",
    "Change",
    "DRIVERS",
    "Deal",
    "Distribution",
    "Forecast",
    "Hire",
    "Requirement",
    "apply_changes",
    "baseline_to_dict",
    "change_from_dict",
    "current_value",
    "forecast",
    "parse_baseline",
    "required_value",
    "week_ends",
]
