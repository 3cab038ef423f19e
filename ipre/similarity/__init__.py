"""Item-to-item neighbour weights learned from customer histories (EASE, Steck 2019)."""

from ipre.similarity.ease import NeighbourParams, product_neighbours

__all__ = ["NeighbourParams", "product_neighbours"]
