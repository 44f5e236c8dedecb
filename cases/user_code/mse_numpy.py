"""Hand-written numpy gradients of the MSE loss, as in seeds/001's tutorial."""

from __future__ import annotations

import numpy as np


def tutorial_gradient(w: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The tutorial's code: np.dot(2*x, y_pred - y).mean() -- the sum, not the mean."""
    y_pred = w * X
    return np.dot(2 * X, y_pred - Y).mean()


def corrected_gradient(w: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """What the tutorial's comment says: 1/N * sum(2x(w*x - y))."""
    return np.mean(2 * X * (w * X - Y))
