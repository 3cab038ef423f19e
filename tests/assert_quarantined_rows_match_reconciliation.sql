-- The quarantine table holds exactly the rows the reconciliation counts as quarantined.
with quarantined as (
    select source_name, count(*) as quarantined_rows
    from {{ ref('quarantined_rows') }}
    group by source_name
),

compared as (
    select
        reconciliation.source_name,
        reconciliation.quarantined_rows as counted,
        coalesce(quarantined.quarantined_rows, 0) as stored
    from {{ ref('input_reconciliation') }} as reconciliation
    left join quarantined on reconciliation.source_name = quarantined.source_name
)

select * from compared where counted != stored
