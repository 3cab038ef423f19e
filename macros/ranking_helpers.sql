{#- Helpers of the ranking and feedback models (spec §4.5, §4.6). Each formula of the score
    lives in exactly one place: here or in the model that states it. -#}

{#- expr clamped to [low, high]. -#}
{% macro ranking_clamp(expr, low, high) -%}
    least(greatest({{ expr }}, {{ low }}), {{ high }})
{%- endmacro %}

{#- A number as text with exactly `decimals` decimals (0.077, 8.67), for reason strings. -#}
{% macro ranking_format_decimal(expr, decimals) -%}
    cast(cast(round({{ expr }}, {{ decimals }}) as decimal(18, {{ decimals }})) as {{ dbt.type_string() }})
{%- endmacro %}

{#- A median order quantity as a suggested quantity: rounded to a whole unit, at least 1. -#}
{% macro ranking_whole_quantity(expr) -%}
    cast(greatest(round({{ expr }}, 0), 1) as {{ dbt.type_int() }})
{%- endmacro %}

{#- §4.6 weight of one piece of feedback: High → weight_high; Medium → weight_med_neg when the
    resolved sentiment is negative, weight_med_pos when positive, 1.0 without a signal (the
    spec's conservative default); Low → weight_low. No feedback (null rating) → 1.0. -#}
{% macro ranking_feedback_weight(rating, resolved_sentiment) -%}
    case
        when {{ rating }} = 'High' then {{ var('weight_high') }}
        when {{ rating }} = 'Medium' and {{ resolved_sentiment }} = 'negative'
            then {{ var('weight_med_neg') }}
        when {{ rating }} = 'Medium' and {{ resolved_sentiment }} = 'positive'
            then {{ var('weight_med_pos') }}
        when {{ rating }} = 'Low' then {{ var('weight_low') }}
        else 1.0
    end
{%- endmacro %}

{#- The ranking method (var ranking_method): 'similarity' (default) or 'spec' (docs/ranking.md). -#}
{% macro ranking_method() -%}
    {%- set method = var('ranking_method') | string | trim | lower -%}
    {%- if method not in ('similarity', 'spec') -%}
        {{ exceptions.raise_compiler_error(
            "var ranking_method must be 'similarity' or 'spec', got '" ~ method ~ "'") }}
    {%- endif -%}
    {{ return(method) }}
{%- endmacro %}

{#- How many candidates per customer the ranking keeps before calibration: top_k, plus
    calibration_reserve with the similarity method so that rows dropped by feedback calibration
    are backfilled by the next-best candidates. The spec method keeps exactly top_k (§4.6:
    calibration may leave fewer than top_k). -#}
{% macro ranking_depth() -%}
    {%- if ranking_method() == 'similarity' -%}
        ({{ var('top_k') }} + {{ var('calibration_reserve') }})
    {%- else -%}
        {{ var('top_k') }}
    {%- endif -%}
{%- endmacro %}
