-- The learned ranker's candidates and features, one row per customer x candidate, read from a
-- warehouse built as of a cutoff (bench/learned_ranker.py). Candidate sources: the similarity
-- model's best {similarity_depth} (customer_similarity_scores), the {segment_depth} most bought in the
-- customer's segment (by segment buyers x (buyers of the last 30 days + 1)) and the {last_depth} with the most EASE weight from
-- the customer's last invoice; never bought before, in stock, not excluded.
with reference as (
    select reference_date from intermediate.int_reference_date
),

lines as (
    select * from intermediate.int_invoice_lines_in_scope
),

basket as (
    select customer_id, product_id, segment, purchase_frequency, total_quantity, last_purchase_date
    from main.market_basket
),

basket_prices as (
    select customer_id, unit_price from main.market_basket
),

recommendable as (
    select product_id, l2_category, l3_category, unit_price
    from staging.stg_erp__products
    where quarantine_reason is null and in_stock and not is_excluded
),

customers as (
    select
        rfm.customer_id,
        profiles.segment,
        rfm.rfm_recency_score,
        rfm.rfm_frequency_score,
        rfm.rfm_monetary_score,
        rfm.rfm_frequency,
        rfm.rfm_monetary,
        date_diff('day', rfm.last_purchase_date, reference.reference_date) as days_since_purchase
    from intermediate.int_customer_rfm as rfm
    inner join intermediate.int_customer_ranking_profiles as profiles
        on rfm.customer_id = profiles.customer_id
    cross join reference
),

customer_products as (
    select customer_id, count(*) as products_bought
    from basket group by customer_id
),

product_demand as (
    select
        lines.product_id,
        min(lines.invoice_date) as first_sale_date,
        count(distinct case when lines.invoice_date > reference.reference_date - 7 then lines.customer_id end) as customers_7d,
        count(distinct case when lines.invoice_date > reference.reference_date - 30 then lines.customer_id end) as customers_30d,
        count(distinct case when lines.invoice_date > reference.reference_date - 90 then lines.customer_id end) as customers_90d,
        count(distinct lines.customer_id) as customers_window
    from lines cross join reference
    group by lines.product_id
),

segment_sizes as (
    select segment, count(*) as segment_customers from customers group by segment
),

segment_popularity as (
    select
        basket.segment,
        basket.product_id,
        count(*) as segment_buyers,
        count(case when basket.last_purchase_date > reference.reference_date - 30 then 1 end) as segment_recent_buyers
    from basket cross join reference
    group by basket.segment, basket.product_id
),

segment_candidates as (
    select
        customers.customer_id,
        segment_popularity.product_id,
        segment_popularity.segment_buyers,
        row_number() over (
            partition by customers.customer_id
            order by (segment_popularity.segment_recent_buyers + 1.0) * segment_popularity.segment_buyers desc, segment_popularity.product_id
        ) as segment_rank
    from customers
    inner join segment_popularity on customers.segment = segment_popularity.segment
    inner join recommendable on segment_popularity.product_id = recommendable.product_id
    where not exists (
        select 1 from basket
        where basket.customer_id = customers.customer_id and basket.product_id = segment_popularity.product_id
    )
),

last_invoice_products as (
    select distinct lines.customer_id, lines.product_id
    from lines
    inner join (
        select customer_id, max(invoice_date) as last_date from lines group by customer_id
    ) as last_dates
        on lines.customer_id = last_dates.customer_id and lines.invoice_date = last_dates.last_date
),

last_invoice_scores as (
    select
        last_invoice_products.customer_id,
        neighbours.neighbour_product_id as product_id,
        sum(neighbours.weight) as last_invoice_score
    from last_invoice_products
    inner join main.product_neighbours as neighbours
        on neighbours.evidence_kind = 'product' and neighbours.evidence_id = last_invoice_products.product_id
    where neighbours.weight > 0
    group by last_invoice_products.customer_id, neighbours.neighbour_product_id
),

last_invoice_candidates as (
    select
        last_invoice_scores.*,
        row_number() over (partition by last_invoice_scores.customer_id order by last_invoice_score desc, last_invoice_scores.product_id) as last_invoice_rank
    from last_invoice_scores
    inner join recommendable on last_invoice_scores.product_id = recommendable.product_id
    where not exists (
        select 1 from basket
        where basket.customer_id = last_invoice_scores.customer_id and basket.product_id = last_invoice_scores.product_id
    )
),

recent_evidence as (
    select
        basket.customer_id,
        neighbours.neighbour_product_id as product_id,
        sum(case when basket.last_purchase_date > reference.reference_date - 30 then neighbours.weight else 0 end) as evidence_30d,
        sum(case when basket.last_purchase_date > reference.reference_date - 90 then neighbours.weight else 0 end) as evidence_90d,
        sum(neighbours.weight * ln(1 + basket.purchase_frequency)) as evidence_frequency_weighted
    from basket
    cross join reference
    inner join main.product_neighbours as neighbours
        on neighbours.evidence_kind = 'product' and neighbours.evidence_id = basket.product_id
    group by basket.customer_id, neighbours.neighbour_product_id
),

new_buyers as (
    select
        basket.product_id,
        count(case when first_purchase_date > reference.reference_date - 30 then 1 end) as new_buyers_30d,
        count(case when first_purchase_date > reference.reference_date - 90 then 1 end) as new_buyers_90d
    from main.market_basket as basket cross join reference
    group by basket.product_id
),

customer_prices as (
    select customer_id, median(unit_price) as customer_median_price
    from basket_prices group by customer_id
),

similarity as (
    select
        customer_id,
        recommended_product as product_id,
        evidence_score,
        group_evidence_score,
        supporting_purchases,
        momentum,
        similarity_score,
        similarity_rank
    from main.customer_similarity_scores
),

pairs as (
    select customer_id, product_id from similarity where similarity_rank <= {similarity_depth}
    union
    select customer_id, product_id from segment_candidates where segment_rank <= {segment_depth}
    union
    select customer_id, product_id from last_invoice_candidates where last_invoice_rank <= {last_depth}
),

final as (
    select
        pairs.customer_id,
        pairs.product_id,
        similarity.evidence_score,
        similarity.group_evidence_score,
        similarity.supporting_purchases,
        similarity.similarity_score,
        similarity.similarity_rank,
        momentum.momentum,
        momentum.momentum_factor,
        momentum.window_customers,
        momentum.recent_customers,
        momentum.previous_customers,
        product_demand.customers_7d,
        product_demand.customers_30d,
        product_demand.customers_90d,
        date_diff('day', product_demand.first_sale_date, reference.reference_date) as days_since_first_sale,
        segment_candidates.segment_buyers * 1.0 / segment_sizes.segment_customers as segment_share,
        segment_candidates.segment_rank,
        last_invoice_candidates.last_invoice_score,
        last_invoice_candidates.last_invoice_rank,
        coalesce(l3.l3_share, 0) as l3_share,
        coalesce(l2.l2_share, 0) as l2_share,
        recommendable.unit_price,
        customers.rfm_recency_score,
        customers.rfm_frequency_score,
        customers.rfm_monetary_score,
        customers.rfm_frequency,
        customers.days_since_purchase,
        customer_products.products_bought,
        recent_evidence.evidence_30d,
        recent_evidence.evidence_90d,
        recent_evidence.evidence_frequency_weighted,
        similarity.similarity_score / max(similarity.similarity_score) over (partition by pairs.customer_id) as similarity_relative,
        new_buyers.new_buyers_30d,
        new_buyers.new_buyers_90d,
        recommendable.unit_price / nullif(customer_prices.customer_median_price, 0) as price_ratio
    from pairs
    cross join reference
    inner join recommendable on pairs.product_id = recommendable.product_id
    inner join customers on pairs.customer_id = customers.customer_id
    inner join segment_sizes on customers.segment = segment_sizes.segment
    left join customer_products on pairs.customer_id = customer_products.customer_id
    left join similarity on pairs.customer_id = similarity.customer_id and pairs.product_id = similarity.product_id
    left join intermediate.int_product_momentum as momentum on pairs.product_id = momentum.product_id
    left join recent_evidence on pairs.customer_id = recent_evidence.customer_id and pairs.product_id = recent_evidence.product_id
    left join new_buyers on pairs.product_id = new_buyers.product_id
    left join customer_prices on pairs.customer_id = customer_prices.customer_id
    left join product_demand on pairs.product_id = product_demand.product_id
    left join segment_candidates on pairs.customer_id = segment_candidates.customer_id and pairs.product_id = segment_candidates.product_id
    left join last_invoice_candidates on pairs.customer_id = last_invoice_candidates.customer_id and pairs.product_id = last_invoice_candidates.product_id
    left join (select customer_id, l3_category, max(l3_share) as l3_share from intermediate.int_customer_category_shares group by 1, 2) as l3
        on pairs.customer_id = l3.customer_id and recommendable.l3_category = l3.l3_category
    left join (select customer_id, l2_category, max(l2_share) as l2_share from intermediate.int_customer_category_shares group by 1, 2) as l2
        on pairs.customer_id = l2.customer_id and recommendable.l2_category = l2.l2_category
)

select * from final order by customer_id, product_id
