"""Ids the given masters do not know: the build quarantines such lines as unknown_customer_id
or unknown_product_id, so when most lines would go, the ids are written differently in the
master and in the lines (`C13085` against `13085`), and inspect says so before any build."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ipre.inspect.quarantine import identifier

MASTERS = {"customer_id": "customers", "product_id": "products"}
TOO_MANY = 0.5  # the share at which the build would stop (max_quarantined_share's default)


@dataclass
class UnknownIds:
    entity: str  # invoices or feedback
    column: str  # customer_id or product_id
    lines: int
    of_lines: int
    example: str  # an id of the lines the master lacks
    master_example: str  # an id of the master, to compare

    @property
    def share(self) -> float:
        return self.lines / self.of_lines if self.of_lines else 0.0

    def text(self) -> str:
        return (
            f"{self.entity}: {self.lines:,} of {self.of_lines:,} lines have a {self.column} the "
            f"{MASTERS[self.column]} master does not know (unknown_{self.column}), e.g. "
            f"{self.example!r}; the master writes ids like {self.master_example!r}"
        )

    def problem(self) -> str:
        return (
            self.text() + f": check that both write the ids alike, or leave the master out "
            f"({MASTERS[self.column]}_path: none derives it from the lines)"
        )


def unknown_ids(
    con: duckdb.DuckDBPyConnection, entity: str, column: str,
    lines: tuple[str, str], master: tuple[str, str],
) -> UnknownIds:  # fmt: skip
    """lines, master: (loaded table, loaded column) of the id in each input."""
    line_id, master_id = identifier(lines[1]), identifier(master[1])
    row = con.execute(
        f"""
        with line_ids as (select {line_id} as id from {lines[0]}),
        known as (select distinct {master_id} as id from {master[0]} where {master_id} is not null),
        unknown as (
            select id from line_ids where id is not null and id not in (select id from known)
        )
        select
            (select count(*) from unknown),
            (select count(*) from line_ids where id is not null),
            (select min(id) from unknown),
            (select min(id) from known)
        """
    ).fetchall()[0]
    return UnknownIds(entity, column, int(row[0]), int(row[1]), str(row[2] or ""),
                      str(row[3] or ""))  # fmt: skip
