{{ config(post_hook="{{ check_quarantine_share('feedback') }}") }}
-- One row per raw feedback row with its final quarantine reason (null = accepted).
{{ validated_against_masters('stg_crm__feedback', 'feedback', ['customer_id', 'product_id',
    'rating', 'reason_code', 'sentiment', 'feedback_date', 'raw_row']) }}
