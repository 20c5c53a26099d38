"""The data sets of the deep-learning course's "Initialization" notebook."""

import numpy as np
from sklearn.datasets import make_circles

__all__ = ["load_circles"]


def load_circles():
    """The notebook's two noisy circles: 300 training and 100 test points.

    Drawn exactly as the notebook draws them --
    ``make_circles(n_samples=300, noise=0.05)`` with ``np.random.seed(1)`` for
    the training set and ``n_samples=100`` with ``np.random.seed(2)`` for the
    test set -- but from private ``RandomState`` objects, so numpy's global
    random state is left untouched.

    Returns
    -------
    X_train : ndarray of shape (300, 2)
    y_train : ndarray of shape (300,)
        Labels 0 (outer circle) and 1 (inner circle).
    X_test : ndarray of shape (100, 2)
    y_test : ndarray of shape (100,)

    Examples
    --------
    >>> from skinit.datasets import load_circles
    >>> X_train, y_train, X_test, y_test = load_circles()
    >>> X_train.shape, X_test.shape
    ((300, 2), (100, 2))
    """
    X_train, y_train = make_circles(
        n_samples=300, noise=0.05, random_state=np.random.RandomState(1)
    )
    X_test, y_test = make_circles(
        n_samples=100, noise=0.05, random_state=np.random.RandomState(2)
    )
    return X_train, y_train, X_test, y_test
