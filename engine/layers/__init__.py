"""Layers. Each one binds to views of the network's flat parameter and gradient buffers,
caches what its backward pass needs, and writes its gradients in place.

A layer has `param_shapes`, `bind(params, grads)`, `forward(x, rng) -> y` (rng is None outside
training; dropout draws from it) and `backward(dy, need_dx) -> dx`.
"""

from .dense import Dense

__all__ = ["Dense"]
