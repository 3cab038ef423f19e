"""The reminder volume of reorder_reminders, one query for the terminal summary and the report
(docs/reorders.md)."""

REORDER_SQL = """
select
    count(*) as rhythms,
    count(distinct customer_id) as customers,
    coalesce(sum(case when is_due then 1 else 0 end), 0) as due,
    coalesce(sum(case when is_reminder then 1 else 0 end), 0) as reminders,
    count(distinct case when is_reminder then customer_id end) as reminded_customers
from reorder_reminders
"""
