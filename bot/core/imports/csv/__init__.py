"""CSV import of CRM exports (Salesforce, HubSpot, any CSV with a confirmed mapping) and pipeline export.

The pure part: bytes in, an `ImportResult` out (deals, history, a line-numbered report, drivers fitted from
history); nothing here stores, posts or reads the clock. Typical use:

    result = parse_crm_csv(data, as_of=date(2026, 11, 16), period_end=date(2026, 12, 31))
    if result.needs_mapping:            # unknown layout: show result.mapping.describe(), let the user confirm
        result = parse_crm_csv(data, as_of=..., period_end=..., mapping=confirmed_mapping)
    preview = result.summary()          # counts, pipeline, drivers, rejected rows by line
    baseline = result.to_baseline(current_baseline, target=2_000_000)   # on "accept"
"""

from .export import EXPORT_HEADER, export_pipeline_csv, neutralise
from .formats import FIELDS, Mapping, detect_format, suggest_mapping
from .history import CrmRow, Drivers, FittedDriver, fit_drivers
from .importer import parse_crm_csv
from .reader import MAX_BYTES, CsvFileError
from .result import Counts, ImportResult
from .validate import ImportReport, RowError

__all__ = [
    "parse_crm_csv",
    "ImportResult",
    "ImportReport",
    "RowError",
    "Counts",
    "Mapping",
    "FIELDS",
    "suggest_mapping",
    "detect_format",
    "CrmRow",
    "Drivers",
    "FittedDriver",
    "fit_drivers",
    "export_pipeline_csv",
    "neutralise",
    "EXPORT_HEADER",
    "CsvFileError",
    "MAX_BYTES",
]
