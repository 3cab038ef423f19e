-- One row per segment: how its customers were clustered (spec §4.2 silhouette scoring). The fit
-- runs once, in customer_clusters; this is the de-duplicated view of its segment-level columns.
with clusters as (
    select * from {{ ref('customer_clusters') }}
),

segments as (
    select distinct
        segment,
        n_customers,
        k,
        k_rule,
        silhouette,
        quality,
        inertia_by_k,
        fit_params
    from clusters
)

select
    segment,
    n_customers,
    k,
    k_rule,
    silhouette,
    quality,
    cast(inertia_by_k as {{ type_json() }}) as inertia_by_k,
    cast(fit_params as {{ type_json() }}) as fit_params
from segments
order by segment
