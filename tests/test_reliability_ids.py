"""Every reliability test id of ../shared/notes/reliability.md section 5 (S1-S20, T1-T9, D1-D7, L1-L2, R1-R2)
names at least one test in tests/, so the suite says where each property is proven (`pytest -k S7`).

Test names are read from the source (an ast scan, no imports); an id counts when it is a whole word of a test
function's name, e.g. `test_S7_one_event_id_four_times_...` or `test_T1_T2_requests_without_a_valid_token_...`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTES = ROOT.parent / "shared" / "notes" / "reliability.md"
ROW = re.compile(r"^\|\s*([SDLRT]\d{1,2})\b")
ID_WORD = re.compile(r"^[SDLRT]\d{1,2}$")

# Ids another part of an issue owns and has not landed yet, each with who owns it. This list only shrinks: remove
# an id when its test lands. (Empty since the install work brought S14-S18 and the experts work S19.)
OWNED_ELSEWHERE: set[str] = set()


def table_ids(text: str) -> list[str]:
    section = text.split("## 5.", 1)[1].split("\n## ", 1)[0]
    return [m.group(1) for line in section.splitlines() if (m := ROW.match(line.strip()))]


def ids_in_name(name: str) -> list[str]:
    return [word for word in name.split("_") if ID_WORD.match(word)]


def named_tests(root: Path) -> dict[str, list[str]]:
    """id -> the tests whose name carries it."""
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"):
                for word in ids_in_name(node.name):
                    found.setdefault(word, []).append(f"{path.relative_to(root.parent)}::{node.name}")
    return found


def test_every_reliability_id_names_a_test():
    if not NOTES.exists():
        pytest.skip(f"{NOTES} is not here (the notes live beside the repository, not in it): nothing to check")
    ids = table_ids(NOTES.read_text(encoding="utf-8"))
    assert len(ids) >= 40, f"the table of section 5 was not read: {ids}"
    named = named_tests(ROOT / "tests")
    missing = [i for i in ids if i not in named and i not in OWNED_ELSEWHERE]
    assert missing == [], "reliability ids without a test named after them: " + ", ".join(missing)
    unknown = sorted(set(named) - set(ids))
    assert unknown == [], f"test names carry ids the table does not have: { {i: named[i] for i in unknown} }"


def test_the_scan_reads_ids_from_names_and_rows():
    assert table_ids(
        "## 5. Tests\n| ID | Test |\n|---|---|\n| S8 **[PG]** | x |\n| D7 | y |\n## 6. Risks\n| S9 | z |"
    ) == [
        "S8",
        "D7",
    ]
    assert ids_in_name("test_T1_T2_requests_S10x_D7") == ["T1", "T2", "D7"]
