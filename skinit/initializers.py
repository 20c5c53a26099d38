"""Weight initialization schemes for dense layers.

A scheme draws the initial weight matrix of one dense layer, of shape
``(fan_in, fan_out)`` as in ``coefs_``, from a random state.  Every scheme's
draw is multiplied by the estimator's ``scale`` (biases are not scaled).

=================  =============================================  ==========================
name               weights                                        biases
=================  =============================================  ==========================
``sklearn``        U(-b, b), b = sqrt(f / (fan_in + fan_out)),     U(-b, b), drawn after W
                   f = 2 for logistic, 6 otherwise
``zeros``          0                                              0
``normal``         N(0, 1)                                        0
``uniform``        U(-1, 1)                                       0
``glorot_normal``  N(0, 2 / (fan_in + fan_out))                   0
``glorot_uniform`` U(-b, b), b = sqrt(6 / (fan_in + fan_out))     0
``he_normal``      N(0, 2 / fan_in)                               0
``he_uniform``     U(-b, b), b = sqrt(6 / fan_in)                 0
``lecun_normal``   N(0, 1 / fan_in)                               0
``lecun_uniform``  U(-b, b), b = sqrt(3 / fan_in)                 0
=================  =============================================  ==========================

The normal schemes are untruncated, as in PyTorch's ``torch.nn.init`` and in
He et al. (2015).  Except for ``sklearn``, which reproduces scikit-learn's
draws exactly (weights then biases, layer by layer), a scheme draws an array of
shape ``(fan_out, fan_in)`` -- PyTorch's layout -- and transposes it, so that
``np.random.seed(s)`` followed by ``np.random.randn(fan_out, fan_in) * std``
for each layer gives the same weights as ``random_state=s``.
"""

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["available_bias_initializers", "available_initializers", "initialize"]


def _sklearn(fan_in, fan_out, random_state, activation):
    factor = 2.0 if activation == "logistic" else 6.0
    bound = np.sqrt(factor / (fan_in + fan_out))
    coef = random_state.uniform(-bound, bound, (fan_in, fan_out))
    intercept = random_state.uniform(-bound, bound, fan_out)
    return coef, intercept


def _zeros(fan_in, fan_out, random_state, activation):
    return np.zeros((fan_in, fan_out)), None


def _normal_with_std(std_of_fans):
    def draw(fan_in, fan_out, random_state, activation):
        std = std_of_fans(fan_in, fan_out)
        return random_state.randn(fan_out, fan_in).T * std, None

    return draw


def _uniform_with_bound(bound_of_fans):
    def draw(fan_in, fan_out, random_state, activation):
        bound = bound_of_fans(fan_in, fan_out)
        return random_state.uniform(-bound, bound, (fan_out, fan_in)).T, None

    return draw


def _normal(fan_in, fan_out, random_state, activation):
    # No multiplication by a unit std: the draw is exactly numpy's randn.
    return random_state.randn(fan_out, fan_in).T, None


_SCHEMES = {
    "sklearn": _sklearn,
    "zeros": _zeros,
    "normal": _normal,
    "uniform": _uniform_with_bound(lambda fan_in, fan_out: 1.0),
    "glorot_normal": _normal_with_std(
        lambda fan_in, fan_out: np.sqrt(2.0 / (fan_in + fan_out))
    ),
    "glorot_uniform": _uniform_with_bound(
        lambda fan_in, fan_out: np.sqrt(6.0 / (fan_in + fan_out))
    ),
    "he_normal": _normal_with_std(lambda fan_in, fan_out: np.sqrt(2.0 / fan_in)),
    "he_uniform": _uniform_with_bound(lambda fan_in, fan_out: np.sqrt(6.0 / fan_in)),
    "lecun_normal": _normal_with_std(lambda fan_in, fan_out: np.sqrt(1.0 / fan_in)),
    "lecun_uniform": _uniform_with_bound(
        lambda fan_in, fan_out: np.sqrt(3.0 / fan_in)
    ),
}


def available_initializers():
    """Names of the available initialization schemes.

    Returns
    -------
    names : list of str
        The valid values of the ``initializer`` parameter, sorted.

    Examples
    --------
    >>> from skinit.initializers import available_initializers
    >>> "he_normal" in available_initializers()
    True
    """
    return sorted(_SCHEMES)


_BIAS_SCHEMES = ("auto", "zeros")


def available_bias_initializers():
    """Names of the valid values of the ``bias_initializer`` parameter.

    ``'auto'`` uses what the weight scheme implies: the framework presets draw
    their biases, every other scheme starts them at zero.

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> from skinit.initializers import available_bias_initializers
    >>> available_bias_initializers()[:2]
    ['auto', 'zeros']
    """
    return list(_BIAS_SCHEMES)


def _get_scheme(name):
    try:
        return _SCHEMES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown initializer {name!r}. Valid initializers are: "
            f"{', '.join(available_initializers())}."
        ) from None


def _draw_layer(
    name, fan_in, fan_out, *, scale, activation, random_state, dtype,
    bias_initializer="auto",
):
    """Draw one layer's ``(coef, intercept)``; the intercept is never scaled."""
    coef, intercept = _get_scheme(name)(fan_in, fan_out, random_state, activation)
    coef = (coef * scale).astype(dtype, copy=False)
    if intercept is None or bias_initializer == "zeros":
        intercept = np.zeros(fan_out, dtype=dtype)
    return coef, intercept.astype(dtype, copy=False)


def initialize(
    name,
    fan_in,
    fan_out,
    *,
    scale=1.0,
    activation="relu",
    random_state=None,
    dtype=np.float64,
):
    """Draw the weight matrix of one dense layer.

    Parameters
    ----------
    name : str
        The scheme, one of :func:`available_initializers`.
    fan_in, fan_out : int
        Number of inputs and outputs of the layer.
    scale : float, default=1.0
        Multiplies the drawn matrix.
    activation : str, default='relu'
        Hidden activation of the network; only schemes whose formula depends
        on it (``'sklearn'``) use it.
    random_state : int, RandomState instance or None, default=None
        Source of randomness.
    dtype : dtype, default=np.float64
        Floating point type of the result.

    Returns
    -------
    coef : ndarray of shape (fan_in, fan_out)
        The weight matrix, laid out as in ``coefs_``.

    Examples
    --------
    >>> from skinit.initializers import initialize
    >>> initialize("he_normal", 3, 2, random_state=0).shape
    (3, 2)
    """
    coef, _ = _draw_layer(
        name,
        fan_in,
        fan_out,
        scale=scale,
        activation=activation,
        random_state=check_random_state(random_state),
        dtype=dtype,
    )
    return coef


def initialize_network(
    layer_units, *, initializer, scale, activation, random_state, dtype,
    bias_initializer="auto", X=None,
):
    """Draw every layer of a network, first to last, from ``random_state``.

    ``X`` is the training data, for data-dependent schemes.  Returns the lists
    ``coefs`` and ``intercepts`` as the estimator stores them.
    """
    coefs, intercepts = [], []
    for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:]):
        coef, intercept = _draw_layer(
            initializer,
            fan_in,
            fan_out,
            scale=scale,
            activation=activation,
            random_state=random_state,
            dtype=dtype,
            bias_initializer=bias_initializer,
        )
        coefs.append(coef)
        intercepts.append(intercept)
    return coefs, intercepts
