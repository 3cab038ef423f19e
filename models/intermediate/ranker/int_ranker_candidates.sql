{{ config(materialized='table', enabled=learned_ranker_enabled()) }}
-- One row per ranker snapshot × customer × candidate: the union of the four candidate sources
-- (similarity evidence, the last invoice, the segment's popular products, new products), each
-- source's rank where it proposes the product, and the ranker_candidates best per customer by
-- their best rank over the sources (ties: the similarity rank, then the product id). Only
-- products that can be recommended now (accepted, in stock, not excluded); no source proposes
-- a product the customer had bought by the snapshot.
{%- set unranked = 1000000 %}
with similarity as (
    select
        snapshot_date,
        customer_id,
        recommended_product as product_id,
        evidence_score,
        group_evidence_score,
        supporting_purchases,
        similarity_rank
    from {{ ref('int_ranker_similarity_candidates') }}
),

last_invoice as (
    select * from {{ ref('int_ranker_candidates_last_invoice') }}
),

segment as (
    select * from {{ ref('int_ranker_candidates_segment') }}
),

new_products as (
    select * from {{ ref('int_ranker_candidates_new_products') }}
),

recommendable as (
    select product_id
    from {{ ref('stg_erp__products') }}
    where quarantine_reason is null and in_stock and not is_excluded
),

proposed as (
    {%- for source in ['similarity', 'last_invoice', 'segment', 'new_products'] %}
        select
            snapshot_date,
            customer_id,
            product_id
        from {{ source }}
        {%- if not loop.last %}
            union
        {%- endif %}
    {%- endfor %}
),

sourced as (
    select
        proposed.snapshot_date,
        proposed.customer_id,
        proposed.product_id,
        similarity.evidence_score,
        similarity.group_evidence_score,
        similarity.supporting_purchases,
        similarity.similarity_rank,
        last_invoice.last_invoice_score,
        last_invoice.last_invoice_rank,
        segment.segment_rank,
        new_products.new_product_rank,
        least(
            coalesce(similarity.similarity_rank, {{ unranked }}),
            coalesce(last_invoice.last_invoice_rank, {{ unranked }}),
            coalesce(segment.segment_rank, {{ unranked }}),
            coalesce(new_products.new_product_rank, {{ unranked }})
        ) as best_source_rank
    from proposed
    inner join recommendable on proposed.product_id = recommendable.product_id
    left join similarity
        on
            proposed.snapshot_date = similarity.snapshot_date
            and proposed.customer_id = similarity.customer_id
            and proposed.product_id = similarity.product_id
    left join last_invoice
        on
            proposed.snapshot_date = last_invoice.snapshot_date
            and proposed.customer_id = last_invoice.customer_id
            and proposed.product_id = last_invoice.product_id
    left join segment
        on
            proposed.snapshot_date = segment.snapshot_date
            and proposed.customer_id = segment.customer_id
            and proposed.product_id = segment.product_id
    left join new_products
        on
            proposed.snapshot_date = new_products.snapshot_date
            and proposed.customer_id = new_products.customer_id
            and proposed.product_id = new_products.product_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by snapshot_date, customer_id
            order by best_source_rank, coalesce(similarity_rank, {{ unranked }}), product_id
        ) as candidate_rank
    from sourced
),

final as (
    select * from ranked
    where candidate_rank <= {{ var('ranker_candidates') }}
)

select * from final
