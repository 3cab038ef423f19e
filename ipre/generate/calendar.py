"""When purchases happen: seasonality, weekdays, growth, business hours, all in UTC seconds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import numpy as np

from ipre.generate.params import Params

DAY = 86_400
# Hours of the day an order is placed (UTC), busiest early morning before crews leave.
HOURS = np.arange(6, 18)
HOUR_WEIGHTS = np.array([4, 8, 9, 8, 6, 5, 5, 5, 4, 3, 2, 1], dtype=float)
WEEKDAY_WEIGHTS = np.array([1.0, 1.0, 1.0, 1.0, 0.9, 0.25, 0.05])  # Monday..Sunday


def epoch(day: date) -> int:
    return int(datetime.combine(day, time(0), tzinfo=UTC).timestamp())


def day_weights(params: Params) -> np.ndarray:
    """Relative order volume per calendar day: spring/summer peak, quiet weekends, growth."""
    n_days = (params.end_date - params.start_date).days + 1
    days = np.arange(n_days)
    weekday = (params.start_date.weekday() + days) % 7
    day_of_year = (params.start_date.timetuple().tm_yday + days) % 365
    season = 1.0 + 0.35 * np.sin(2 * np.pi * (day_of_year - 100) / 365)  # peak ~ late June
    growth = 1.0 + 0.08 * days / 365  # the business grows ~8% a year
    return WEEKDAY_WEIGHTS[weekday] * season * growth


def sample_timestamps(n: int, params: Params, rng: np.random.Generator) -> np.ndarray:
    w = day_weights(params)
    day = rng.choice(w.size, n, p=w / w.sum())
    hour = rng.choice(HOURS, n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    minute = rng.integers(0, 60, n)
    return epoch(params.start_date) + day * DAY + hour * 3600 + minute * 60


def last_timestamp(params: Params) -> int:
    """The latest instant of the data: the reference date, mid-afternoon UTC."""
    return epoch(params.end_date) + 15 * 3600 + 30 * 60
