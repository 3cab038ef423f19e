-- The quarantine table holds exactly the rows input_reconciliation counts as quarantined.
with quarantined as (
    select
        source_name,
        count(*) as quarantined_rows
    from {{ ref('quarantined_rows') }}
    group by source_name
),

compared as (
    select
        reconciled_counts.source_name,
        reconciled_counts.quarantined_rows as counted_rows,
        coalesce(quarantined.quarantined_rows, 0) as stored_rows
    from {{ ref('input_reconciliation') }} as reconciled_counts
    left join quarantined on reconciled_counts.source_name = quarantined.source_name
)

select * from compared
where counted_rows != stored_rows
