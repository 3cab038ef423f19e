"""Seeded synthetic data for IPRE: customers, products, invoice lines, feedback, ground truth.

One module per concern: taxonomy (static vocabulary), params (scales, seeds), catalogue,
customers, affinity (what each archetype buys), bundles (planted complements), calendar
(seasonal timestamps), invoices, feedback, dirty (malformed rows), render (raw text
columns), writer (CSV/Parquet), truth (ground_truth.json), cli (`ipre generate`).

Same seed and arguments give byte-identical files; the data ends on a fixed reference date
(2026-02-20), never the wall clock. Basket sizes are bounded on purpose because downstream
pair counts grow with the square of basket size: invoices average ~2.3 lines (longest
~20-25), and the largest account buys ~25x the mean account (see invoices.py for the
numbers at 10M lines).
"""
