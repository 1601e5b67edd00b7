"""The fixed breakdown lattice (ANONYMITY.md B.5.3, R18): what may be asked, and nothing else.

Area (region or one municipality) x intervention x closed month / quarter / year, plus at most
one breakdown: municipality, language, channel, period (the next finer closed level) or
intervention. Free date ranges, answer filters and two breakdowns at once are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.errors import LyssnaError
from app.i18n.templating import gettext as _
from app.reports import periods

BREAKDOWNS = ("municipality", "language", "channel", "period", "intervention")
ALLOWED_PARAMETERS = {"intervention", "period", "by", "area", "version", "format"}


class LatticeError(LyssnaError):
    """A results request outside the lattice; `message` is translated and shown as is."""

    template = "reports/refused.html"

    def __init__(self, message: str, status_code: int = 400):
        super().__init__("refused", status_code)
        self.message = message


@dataclass(frozen=True)
class Query:
    intervention: str
    period: str | None = None
    by: str | None = None
    area: str = "region"  # "region" or a municipality slug
    version: int | None = None


def parse_query(params: Mapping[str, str] | list[tuple[str, str]]) -> Query:
    """Validate request parameters against the lattice; refuse anything else with a reason."""
    items = list(params.items()) if isinstance(params, Mapping) else list(params)
    names = [name for name, _value in items]
    unknown = sorted(set(names) - ALLOWED_PARAMETERS)
    if unknown:
        raise LatticeError(_(
            "Results can only be broken down by one of municipality, language, channel, period "
            "or intervention, for a closed month, quarter or year. Free date ranges and filters "
            "on answers are not available, to protect respondents. Not allowed: %(names)s"
        ) % {"names": ", ".join(unknown)})
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise LatticeError(_(
            "Only one breakdown at a time is allowed, to protect respondents."
        ))
    values = dict(items)
    by = values.get("by") or None
    if by is not None and by not in BREAKDOWNS:
        if "," in by or "+" in by or " " in by:
            raise LatticeError(_(
                "Only one breakdown at a time is allowed, to protect respondents."
            ))
        raise LatticeError(_("Unknown breakdown. Choose municipality, language, channel, "
                             "period or intervention."))
    period = values.get("period") or None
    if period is not None and not periods.is_period(period):
        raise LatticeError(_(
            "Choose a calendar month (2026-03), quarter (2026-Q1) or year (2026). Free date "
            "ranges are not available, to protect respondents."
        ))
    if by == "period" and period is not None and periods.kind(period) == "month":
        raise LatticeError(_("A month cannot be broken down by period; choose a quarter or "
                             "a year."))
    intervention = values.get("intervention", "")
    if not intervention:
        raise LatticeError(_("Choose an intervention."), 422)
    version = values.get("version") or None
    if version is not None and not version.isdigit():
        raise LatticeError(_("Unknown questionnaire version."), 422)
    return Query(intervention=intervention, period=period, by=by,
                 area=values.get("area") or "region",
                 version=int(version) if version else None)
