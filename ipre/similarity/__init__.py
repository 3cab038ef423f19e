"""Item-to-item neighbour weights learned from customer histories (EASE, Steck 2019)."""

from ipre.similarity.ease import NeighbourParams, neighbours_from_basket, product_neighbours

__all__ = ["NeighbourParams", "neighbours_from_basket", "product_neighbours"]
