"""Per-segment customer clustering (spec §4.2): features, elbow k, KMeans fits, artifacts.

The dbt Python model ``customer_clusters`` and ``ipre export-artifacts`` both call
``cluster_customers``, so the table and the exported models come from one code path.
"""

from ipre.clustering.elbow import elbow_k, quality_label
from ipre.clustering.features import build_features, parse_feature_groups
from ipre.clustering.fit import SegmentFit, fit_segment
from ipre.clustering.params import ClusterParams
from ipre.clustering.pipeline import cluster_customers

__all__ = [
    "ClusterParams",
    "SegmentFit",
    "build_features",
    "cluster_customers",
    "elbow_k",
    "fit_segment",
    "parse_feature_groups",
    "quality_label",
]
