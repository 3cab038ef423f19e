{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='append_new_columns',
) }}
-- One row per build, appended: the run history `ipre check` and the report's trend read
-- (docs/monitoring.md). full_refresh=false keeps the history through `--full-refresh`;
-- `ipre build` copies this table from the published warehouse into the new file before dbt
-- starts, so a build into an empty file appends to it too. A build as of an earlier date
-- (var as_of_date) is recorded with is_as_of and its reference_date.
{%- set health_metrics = [
    'top_k', 'coverage', 'customers_below_top_k_share', 'acceptance_rate',
    'association_rules_generated', 'customers_in_scope', 'customers_without_recommendations',
    'customers_with_nothing_left', 'customers_dropped_by_feedback', 'customers_via_similarity',
    'customers_via_rules', 'customers_via_fallback', 'customers_via_learned',
] %}
{%- set coverage_statuses = ['in_scope', 'lapsed', 'never_bought', 'unknown_segment'] %}
{%- set run_vars = {} %}
{%- for name in ipre_var_domains() | sort %}
    {%- do run_vars.update({name: var(name)}) %}
{%- endfor %}
{%- set vars_json = tojson(run_vars, sort_keys=true) %}

with health as (
    select * from {{ ref('pipeline_health') }}
),

reference as (
    select * from {{ ref('int_reference_date') }}
),

overall_health as (
    select
        {%- for metric in health_metrics %}
            max(case when metric = '{{ metric }}' then metric_value end) as {{ metric }},
        {%- endfor %}
        count(*) as health_metric_rows
    from health
    where scope = 'all'
),

segment_silhouettes as (
    select
        scope as segment,
        metric_value as silhouette
    from health
    where metric = 'silhouette' and metric_value is not null
),

silhouette_summary as (
    select
        min(silhouette) as min_silhouette,
        count(*) as segments_scored,
        sum(case when silhouette <= {{ var('alert_min_silhouette') }} then 1 else 0 end)
            as segments_below_silhouette
    from segment_silhouettes
),

weakest_segment as (
    select min(segment_silhouettes.segment) as min_silhouette_segment
    from segment_silhouettes
    inner join silhouette_summary
        on segment_silhouettes.silhouette = silhouette_summary.min_silhouette
),

master_coverage as (
    select
        {%- for status in coverage_statuses %}
            sum(case when coverage_status = '{{ status }}' then 1 else 0 end)
                as customers_{{ status }}_of_master,
        {%- endfor %}
        count(*) as customers_in_master
    from {{ ref('customer_coverage') }}
),

recommendation_stats as (
    select
        count(*) as recommendation_rows,
        count(distinct recommended_product) as products_recommended,
        avg(score) as mean_score
    from {{ ref('recommendations') }}
),

feedback_overall as (
    select feedback_count
    from {{ ref('feedback_summary') }}
    where scope = 'overall'
),

table_rows as (
    select
        (select count(*) from {{ ref('market_basket') }}) as market_basket_rows,
        (select count(*) from {{ ref('similar_products') }}) as similar_products_rows,
        (select count(*) from {{ ref('quarantined_rows') }}) as quarantined_rows
),

run as (
    select
        '{{ invocation_id }}' as run_id,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
            as run_started_at,
        reference.reference_date,
        reference.is_as_of,
        reference.last_invoice_date,
        '{{ var("ranking_method") }}' as ranking_method,
        '{{ local_md5(vars_json) }}' as vars_hash,
        '{{ vars_json | replace("'", "''") }}' as vars_json,
        overall_health.*,
        silhouette_summary.min_silhouette,
        weakest_segment.min_silhouette_segment,
        silhouette_summary.segments_scored,
        silhouette_summary.segments_below_silhouette,
        master_coverage.*,
        recommendation_stats.*,
        feedback_overall.feedback_count,
        table_rows.*
    from reference
    cross join overall_health
    cross join silhouette_summary
    cross join weakest_segment
    cross join master_coverage
    cross join recommendation_stats
    cross join feedback_overall
    cross join table_rows
),

final as (
    select
        run_id,
        run_started_at,
        reference_date,
        is_as_of,
        last_invoice_date,
        ranking_method,
        vars_hash,
        vars_json,
        cast(top_k as {{ dbt.type_int() }}) as top_k,
        {%- for metric in health_metrics if metric != 'top_k' %}
            cast({{ metric }} as {{ type_double() }}) as {{ metric }},
        {%- endfor %}
        cast(min_silhouette as {{ type_double() }}) as min_silhouette,
        min_silhouette_segment,
        cast(segments_scored as {{ dbt.type_bigint() }}) as segments_scored,
        cast(segments_below_silhouette as {{ dbt.type_bigint() }}) as segments_below_silhouette,
        cast(customers_in_master as {{ dbt.type_bigint() }}) as customers_in_master,
        {%- for status in coverage_statuses %}
            cast(customers_{{ status }}_of_master as {{ dbt.type_bigint() }})
                as customers_{{ status }}_of_master,
        {%- endfor %}
        cast(recommendation_rows as {{ dbt.type_bigint() }}) as recommendation_rows,
        cast(products_recommended as {{ dbt.type_bigint() }}) as products_recommended,
        cast(mean_score as {{ type_double() }}) as mean_score,
        cast(feedback_count as {{ dbt.type_bigint() }}) as feedback_count,
        cast(market_basket_rows as {{ dbt.type_bigint() }}) as market_basket_rows,
        cast(similar_products_rows as {{ dbt.type_bigint() }}) as similar_products_rows,
        cast(quarantined_rows as {{ dbt.type_bigint() }}) as quarantined_rows
    from run
    {%- if is_incremental() %}
        -- a retried invocation never records itself twice
        where run_id not in (select previous.run_id from {{ this }} as previous)
    {%- endif %}
)

select * from final
