-- One row per customer × recommended product before feedback (spec §4.5): the first top_k of
-- the ranked candidates (int_ranking_candidates_ranked), the method's own products first, then
-- the category-aware fallback.
with candidates as (
    select * from {{ ref('int_ranking_candidates_ranked') }}
),

final as (
    select * from candidates
    where rank <= {{ var('top_k') }}
)

select * from final
