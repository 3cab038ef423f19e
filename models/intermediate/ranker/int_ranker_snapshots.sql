{{ config(enabled=learned_ranker_enabled()) }}
-- One row per cutoff the learned ranker works on (docs/ranking.md, "The learned ranker"): the
-- reference date itself (snapshot_index 0, whose candidates are ranked) and the
-- ranker_training_cutoffs cutoffs 1, 2, ... ranker_horizon_days before it, whose labels are
-- the first-time purchases of the ranker_horizon_days that follow each (all on or before the
-- reference date, so nothing the pipeline has not seen).
{%- set horizon = var('ranker_horizon_days') | int %}
{%- set back = '-1 * ' ~ horizon ~ ' * offsets.snapshot_index' %}
with reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

offsets as (
    {%- for index in range(var('ranker_training_cutoffs') | int + 1) %}
        select {{ index }} as snapshot_index
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        offsets.snapshot_index,
        cast({{ dbt.dateadd('day', back, 'reference.reference_date') }} as date) as snapshot_date,
        cast({{ dbt.dateadd('day', horizon ~ ' + ' ~ back, 'reference.reference_date') }} as date)
            as label_end_date,
        offsets.snapshot_index > 0 as is_training
    from offsets
    cross join reference
)

select * from final
