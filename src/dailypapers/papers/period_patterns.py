"""Regular expressions that match exactly the periods `parse_period` accepts.

The API's schema publishes them (a client, or schemathesis, can tell a valid day from an
invalid one without asking), and the parser checks the shape with them before the calendar.
Years run from 0001 to 9999; a day must exist (Feb 29 only in leap years); a week 53 only in
the years that have one (a pattern over the 400-year cycle of the Gregorian calendar).
"""

from __future__ import annotations

from datetime import date

_YEAR = r"(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_MONTH = r"(?:0[1-9]|1[0-2])"
# Two digits that are a multiple of 4 (00 included / excluded).
_BY_4 = r"(?:[02468][048]|[13579][26])"
_BY_4_NOT_00 = r"(?:0[48]|[2468][048]|[13579][26])"
_LEAP_YEAR = rf"(?:[0-9]{{2}}{_BY_4_NOT_00}|{_BY_4_NOT_00}00)"
_DAY_OF_MONTH = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
DAY_PATTERN = rf"^(?:{_YEAR}-{_DAY_OF_MONTH}|{_LEAP_YEAR}-02-29)$"
MONTH_PATTERN = rf"^{_YEAR}-{_MONTH}$"


def _long_years() -> str:
    """Years with an ISO week 53, as a regex: by century (mod 4) and year of the century."""
    groups = []
    centuries = [r"[02468][048]|[13579][26]", r"[02468][159]|[13579][37]"]
    centuries += [r"[02468][26]|[13579][048]", r"[02468][37]|[13579][159]"]
    for residue, century in enumerate(centuries):
        years = [f"{y:02d}" for y in range(100) if _has_week_53(2000 + residue * 100 + y)]
        groups.append(f"(?:{century})(?:{'|'.join(years)})")
    return "(?:" + "|".join(groups) + ")"


def _has_week_53(year: int) -> bool:
    return date(year, 12, 28).isocalendar()[1] == 53


WEEK_PATTERN = rf"^(?:{_YEAR}-W(?:0[1-9]|[1-4][0-9]|5[0-2])|{_long_years()}-W53)$"
