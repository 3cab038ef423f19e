{{ config(materialized='table', enabled=learned_ranker_enabled()) }}
-- One row per ranker snapshot × customer × candidate: the learned ranker's features as of the
-- snapshot (ipre/ranker/features.py lists them by group), and, at a training snapshot, the
-- label (1 = bought for the first time in the ranker_horizon_days after it). The same SQL
-- describes every snapshot, so the model is trained on exactly what it later scores. Sums are
-- exact (decimal): the same inputs give the same features bit for bit, so the same model.
with snapshots as (
    select * from {{ ref('int_ranker_snapshots') }}
),

candidates as (
    select * from {{ ref('int_ranker_candidates') }}
),

baskets as (
    select * from {{ ref('int_ranker_snapshot_baskets') }}
),

neighbours as (
    select * from {{ ref('int_ranker_snapshot_neighbours') }}
    where evidence_kind = 'product'
),

demand as (
    select * from {{ ref('int_ranker_product_demand') }}
),

profiles as (
    select * from {{ ref('int_ranker_customer_profiles') }}
),

popularity as (
    select * from {{ ref('int_ranker_segment_popularity') }}
),

labels as (
    select * from {{ ref('int_ranker_labels') }}
),

products as (
    select
        product_id,
        l2_category,
        l3_category,
        unit_price
    from {{ ref('stg_erp__products') }}
    where quarantine_reason is null
),

recent_evidence as (
    -- the EASE weight towards each candidate from what the customer bought lately
    select
        baskets.snapshot_date,
        baskets.customer_id,
        neighbours.neighbour_product_id as product_id,
        {{ exact_sum(
            "case when baskets.last_purchase_date > "
            ~ dbt.dateadd('day', -30, 'baskets.snapshot_date')
            ~ " then neighbours.weight else 0 end",
            12,
        ) }} as evidence_30d,
        {{ exact_sum('neighbours.weight', 12) }} as evidence_90d
    from baskets
    inner join neighbours
        on
            baskets.snapshot_date = neighbours.snapshot_date
            and baskets.product_id = neighbours.evidence_id
    where baskets.last_purchase_date > {{ dbt.dateadd('day', -90, 'baskets.snapshot_date') }}
    group by baskets.snapshot_date, baskets.customer_id, neighbours.neighbour_product_id
),

category_units as (
    select
        baskets.snapshot_date,
        baskets.customer_id,
        products.l2_category,
        products.l3_category,
        {{ exact_sum('baskets.units') }} as units
    from baskets
    inner join products on baskets.product_id = products.product_id
    group by baskets.snapshot_date, baskets.customer_id, products.l2_category, products.l3_category
),

l3_shares as (
    select
        category_units.snapshot_date,
        category_units.customer_id,
        category_units.l2_category,
        category_units.l3_category,
        cast(category_units.units as {{ type_double() }}) / nullif(profiles.units, 0) as l3_share
    from category_units
    inner join profiles
        on
            category_units.snapshot_date = profiles.snapshot_date
            and category_units.customer_id = profiles.customer_id
),

l2_shares as (
    select
        snapshot_date,
        customer_id,
        l2_category,
        {{ exact_sum('l3_share', 12) }} as l2_share
    from l3_shares
    group by snapshot_date, customer_id, l2_category
),

final as (
    select
        snapshots.snapshot_index,
        candidates.snapshot_date,
        candidates.customer_id,
        candidates.product_id,
        candidates.candidate_rank,
        -- similarity
        candidates.evidence_score,
        candidates.group_evidence_score,
        candidates.supporting_purchases,
        candidates.similarity_rank,
        candidates.evidence_score / nullif(
            max(candidates.evidence_score) over (
                partition by candidates.snapshot_date, candidates.customer_id
            ),
            0
        ) as similarity_relative,
        recent_evidence.evidence_30d,
        recent_evidence.evidence_90d,
        -- the similarity method's own order (evidence x momentum), as of the snapshot
        candidates.evidence_score * demand.momentum as evidence_momentum,
        case
            when candidates.evidence_score is not null
                then row_number() over (
                    partition by candidates.snapshot_date, candidates.customer_id
                    order by
                        (candidates.evidence_score is null) asc,
                        candidates.evidence_score * demand.momentum desc,
                        candidates.product_id asc
                )
        end as evidence_momentum_rank,
        -- last invoice
        candidates.last_invoice_score,
        candidates.last_invoice_rank,
        -- segment
        coalesce(popularity.segment_share, 0) as segment_share,
        popularity.segment_rank,
        -- trend
        demand.momentum,
        demand.window_buyers,
        demand.buyers_7d,
        demand.buyers_30d,
        demand.buyers_90d,
        demand.new_buyers_30d,
        demand.new_buyers_90d,
        demand.days_since_first_sale,
        candidates.new_product_rank,
        -- category
        coalesce(l3_shares.l3_share, 0) as l3_share,
        coalesce(l2_shares.l2_share, 0) as l2_share,
        -- price
        products.unit_price,
        products.unit_price / nullif(profiles.median_unit_price, 0) as price_ratio,
        -- customer
        profiles.products_bought,
        profiles.purchase_days,
        profiles.days_since_purchase,
        profiles.days_as_customer,
        profiles.spend,
        case
            when not snapshots.is_training then cast(null as {{ dbt.type_int() }})
            when labels.product_id is null then 0
            else 1
        end as label  -- noqa: RF04
    from candidates
    inner join snapshots on candidates.snapshot_date = snapshots.snapshot_date
    inner join products on candidates.product_id = products.product_id
    inner join profiles
        on
            candidates.snapshot_date = profiles.snapshot_date
            and candidates.customer_id = profiles.customer_id
    left join demand
        on
            candidates.snapshot_date = demand.snapshot_date
            and candidates.product_id = demand.product_id
    left join popularity
        on
            candidates.snapshot_date = popularity.snapshot_date
            and profiles.segment = popularity.segment
            and candidates.product_id = popularity.product_id
    left join recent_evidence
        on
            candidates.snapshot_date = recent_evidence.snapshot_date
            and candidates.customer_id = recent_evidence.customer_id
            and candidates.product_id = recent_evidence.product_id
    left join l3_shares
        on
            candidates.snapshot_date = l3_shares.snapshot_date
            and candidates.customer_id = l3_shares.customer_id
            and products.l2_category = l3_shares.l2_category
            and products.l3_category = l3_shares.l3_category
    left join l2_shares
        on
            candidates.snapshot_date = l2_shares.snapshot_date
            and candidates.customer_id = l2_shares.customer_id
            and products.l2_category = l2_shares.l2_category
    left join labels
        on
            candidates.snapshot_date = labels.snapshot_date
            and candidates.customer_id = labels.customer_id
            and candidates.product_id = labels.product_id
)

select * from final
