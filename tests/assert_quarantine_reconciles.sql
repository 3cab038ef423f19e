-- Every raw row is either accepted or quarantined, for every source: nothing lost.
select *
from {{ ref('input_reconciliation') }}
where raw_rows != accepted_rows + quarantined_rows
