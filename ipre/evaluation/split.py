"""The temporal split: a cutoff date T and a horizon of days after it.

Everything dated on or before T is history (what the as-of build sees); invoices dated in
(T, T + horizon_days] are the future the recommendations are scored against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_HORIZON_DAYS = 90


@dataclass(frozen=True)
class Split:
    cutoff: date
    horizon_days: int = DEFAULT_HORIZON_DAYS

    def __post_init__(self) -> None:
        if self.horizon_days < 1:
            raise ValueError(f"horizon_days must be at least 1, got {self.horizon_days}")

    @property
    def horizon_end(self) -> date:
        """The last day of the horizon (inclusive)."""
        return self.cutoff + timedelta(days=self.horizon_days)

    def is_history(self, day: date) -> bool:
        return day <= self.cutoff

    def is_horizon(self, day: date) -> bool:
        return self.cutoff < day <= self.horizon_end


def default_cutoff(last_invoice_date: date, horizon_days: int = DEFAULT_HORIZON_DAYS) -> date:
    """horizon_days before the last accepted invoice, so the whole horizon is observed."""
    return last_invoice_date - timedelta(days=horizon_days)


def parse_date(text: str) -> date:
    """A YYYY-MM-DD date (argparse type)."""
    return date.fromisoformat(str(text).strip())
