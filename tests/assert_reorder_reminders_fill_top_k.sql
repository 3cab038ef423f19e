-- Every customer has min(reorder_top_k, due in-stock rows) reminders, and they hold ranks
-- 1..n: a due, in-stock product is never left out while a worse row is a reminder.
with per_customer as (
    select
        customer_id,
        sum(case when is_due and in_stock then 1 else 0 end) as due_in_stock,
        sum(case when is_reminder then 1 else 0 end) as reminders,
        max(case when is_reminder then reorder_rank else 0 end) as last_reminder_rank
    from {{ ref('reorder_reminders') }}
    group by customer_id
)

select *
from per_customer
where
    reminders != least(due_in_stock, {{ var('reorder_top_k') }})
    or last_reminder_rank != reminders
