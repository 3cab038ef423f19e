"""The learned ranker (issue 23): a LambdaMART model over several candidate sources.

Candidates and features are computed per customer as of a cutoff (SQL); the model is fitted on
earlier cutoffs, whose labels are the first-time purchases of the following days, and
re-orders each customer's candidates. ``model`` holds the fit, ``reasons`` turns the per-feature
contributions into words. docs/ranking.md, "The learned ranker".
"""
