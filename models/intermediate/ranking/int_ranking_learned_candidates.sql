{{ config(materialized='table', enabled=learned_ranker_enabled()) }}
-- One row per customer × product recommended by the learned ranker (int_ranker_scores; empty
-- unless ranking_method is 'learned' and the ranker was trained), made readable for the
-- ranking as int_ranking_similarity_candidates is:
--   score  = score_cutoff + (1 - score_cutoff) * cume_dist of ranker_score over all rows
--   reason = the evidence of the feature group that contributed most to the row's score
--            (reason_group), in words: the purchases it goes with, the last order, the
--            segment, the demand trend or a new product, the customer's category
{%- set w = var('momentum_days') | int %}
with scores as (
    select
        *,
        cume_dist() over (order by ranker_score) as ranker_percentile
    from {{ ref('int_ranker_scores') }}
),

features as (
    select * from {{ ref('int_ranker_features') }}
    where snapshot_index = 0
),

evidence as (
    select * from {{ ref('int_ranker_similarity_candidates') }}
),

snapshots as (
    select snapshot_date from {{ ref('int_ranker_snapshots') }}
    where snapshot_index = 0
),

profiles as (
    select * from {{ ref('int_customer_ranking_profiles') }}
),

products as (
    select
        product_id,
        product_name,
        l2_category,
        l3_category
    from {{ ref('stg_erp__products') }}
    where quarantine_reason is null
),

order_quantities as (
    select * from {{ ref('int_order_quantities') }}
),

current_evidence as (
    select evidence.*
    from evidence
    inner join snapshots on evidence.snapshot_date = snapshots.snapshot_date
),

trigger_products as (
    select distinct
        customer_id,
        evidence_1 as product_id
    from current_evidence
    where evidence_1 is not null
),

trigger_quantities as (
    {{ ranking_trigger_quantities('order_quantities', 'trigger_products') }}
),

described as (
    select
        scores.customer_id,
        scores.product_id,
        scores.ranker_score,
        scores.ranker_rank,
        scores.ranker_percentile,
        scores.reason_group,
        current_evidence.evidence_1,
        features.supporting_purchases,
        features.momentum,
        features.days_since_first_sale,
        features.buyers_90d,
        coalesce(' ' || first_product.product_name, '') as evidence_1_name
    from scores
    inner join features
        on scores.customer_id = features.customer_id and scores.product_id = features.product_id
    left join current_evidence
        on
            scores.customer_id = current_evidence.customer_id
            and scores.product_id = current_evidence.recommended_product
    left join products as first_product on current_evidence.evidence_1 = first_product.product_id
),

final as (
    select
        described.customer_id,
        profiles.segment,
        profiles.cluster_id,
        coalesce(described.evidence_1, 'segment') as trigger_product,
        described.product_id as recommended_product,
        products.l2_category,
        products.l3_category,
        {{ var('score_cutoff') }} + (1.0 - {{ var('score_cutoff') }}) * described.ranker_percentile
            as score,
        {{ ranking_whole_quantity('coalesce(trigger_quantities.median_order_quantity, 1)') }}
            as recommended_qty,
        cast(coalesce(described.supporting_purchases, 0) as {{ dbt.type_int() }})
            as supporting_purchases,
        described.ranker_score,
        described.ranker_rank,
        described.reason_group,
        case
            when described.reason_group = 'last_invoice'
                then 'Goes with your last order'
            when described.reason_group = 'segment'
                then {{ dbt.concat(["'Popular with customers of your segment '", 'profiles.segment']) }}
            when described.reason_group = 'trend' and described.days_since_first_sale < {{ w }}
                then 'New this season'
            when described.reason_group = 'trend' and described.momentum > 1
                then {{ dbt.concat([
                    "'Demand rising x'", ranking_format_decimal('described.momentum', 1),
                    "' this month'",
                ]) }}
            when described.reason_group = 'trend'
                then {{ dbt.concat([
                    "'A steady seller: '", dbt.cast('described.buyers_90d', dbt.type_string()),
                    "' customers bought it in the last 90 days'",
                ]) }}
            when described.reason_group = 'category'
                then {{ dbt.concat(["'In '", 'products.l3_category', "', a category you buy'"]) }}
            when described.evidence_1 is not null
                then {{ dbt.concat([
                    "'Often bought with your '", 'described.evidence_1', 'described.evidence_1_name',
                ]) }}
            else {{ dbt.concat(["'Popular with customers of your segment '", 'profiles.segment']) }}
        end as reason
    from described
    inner join profiles on described.customer_id = profiles.customer_id
    inner join products on described.product_id = products.product_id
    left join trigger_quantities
        on
            described.customer_id = trigger_quantities.customer_id
            and described.evidence_1 = trigger_quantities.product_id
)

select * from final
