"""Weight initialization schemes for dense layers.

A scheme draws the initial weight matrix of one dense layer, of shape
``(fan_in, fan_out)`` as in ``coefs_``, from a random state.  The estimator's
``scale`` multiplies every weight matrix *after* the scheme has drawn it
(``scale=s`` gives exactly ``s`` times the weights of ``scale=1``, bit for
bit); biases are never scaled.  ``scale='gain'`` multiplies by
:func:`calculate_gain` of the hidden activation.

The catalog
-----------

``TN(sigma)`` below is the normal distribution ``N(0, sigma**2)`` truncated
to ``[-2 sigma, 2 sigma]``; its standard deviation is ``0.8796... sigma``.
The *Keras truncated* schemes divide their target standard deviation by
``0.87962566103423978`` so that the truncated draw has exactly the target
standard deviation, as Keras' ``VarianceScaling`` does.  ``b`` is the bound of
a uniform distribution ``U(-b, b)``, whose standard deviation is
``b / sqrt(3)``.  Aliases are given in parentheses; the bias column is what
``bias_initializer='auto'`` gives.

.. list-table::
   :header-rows: 1
   :widths: 18 30 8 12 10 12 12 14

   * - Name
     - Weights
     - Fan mode
     - Distribution
     - Bias (``'auto'``)
     - PyTorch
     - Keras
     - Reference
   * - ``zeros``
     - 0
     - --
     - constant
     - 0
     - ``zeros_``
     - ``Zeros``
     - --
   * - ``ones``
     - 1
     - --
     - constant
     - 0
     - ``ones_``
     - ``Ones``
     - --
   * - ``normal``
     - ``N(0, 1)``
     - --
     - normal
     - 0
     - ``normal_`` (defaults)
     - ``RandomNormal(stddev=1)``
     - --
   * - ``uniform``
     - ``U(-1, 1)``
     - --
     - uniform
     - 0
     - ``uniform_(a=-1, b=1)``
     - ``RandomUniform(-1, 1)``
     - --
   * - ``truncated_normal``
     - ``TN(1)``: ``N(0, 1)`` cut at +-2, standard deviation 0.8796
     - --
     - truncated normal
     - 0
     - ``trunc_normal_`` (defaults)
     - ``TruncatedNormal(stddev=1)``
     - --
   * - ``glorot_normal`` (``xavier_normal``)
     - ``N(0, 2 / (fan_in + fan_out))``
     - average
     - normal
     - 0
     - ``xavier_normal_``
     - -- (Keras' ``GlorotNormal`` is truncated)
     - Glorot & Bengio (2010)
   * - ``glorot_uniform`` (``xavier_uniform``)
     - ``b = sqrt(6 / (fan_in + fan_out))``
     - average
     - uniform
     - 0
     - ``xavier_uniform_``
     - ``GlorotUniform``
     - Glorot & Bengio (2010)
   * - ``glorot_truncated_normal``
     - ``TN(sqrt(2 / (fan_in + fan_out)) / 0.8796...)``
     - average
     - truncated normal
     - 0
     - --
     - ``GlorotNormal``
     - Glorot & Bengio (2010)
   * - ``he_normal`` (``kaiming_normal``)
     - ``N(0, 2 / fan_in)``
     - in
     - normal
     - 0
     - ``kaiming_normal_`` (defaults)
     - -- (Keras' ``HeNormal`` is truncated)
     - He et al. (2015)
   * - ``he_uniform`` (``kaiming_uniform``)
     - ``b = sqrt(6 / fan_in)``
     - in
     - uniform
     - 0
     - ``kaiming_uniform_(a=0)``
     - ``HeUniform``
     - He et al. (2015)
   * - ``he_truncated_normal``
     - ``TN(sqrt(2 / fan_in) / 0.8796...)``
     - in
     - truncated normal
     - 0
     - --
     - ``HeNormal``
     - He et al. (2015)
   * - ``lecun_normal``
     - ``N(0, 1 / fan_in)``
     - in
     - normal
     - 0
     - --
     - -- (Keras' ``LecunNormal`` is truncated)
     - LeCun et al. (1998)
   * - ``lecun_uniform``
     - ``b = sqrt(3 / fan_in)``
     - in
     - uniform
     - 0
     - --
     - ``LecunUniform``
     - LeCun et al. (1998)
   * - ``lecun_truncated_normal``
     - ``TN(sqrt(1 / fan_in) / 0.8796...)``
     - in
     - truncated normal
     - 0
     - --
     - ``LecunNormal``
     - LeCun et al. (1998); Klambauer et al. (2017)
   * - ``orthogonal``
     - Q of the QR decomposition of a Gaussian matrix, signs fixed by
       ``diag(R)``: orthonormal columns if ``fan_in >= fan_out``, else
       orthonormal rows
     - --
     - Haar (uniform on orthogonal matrices)
     - 0
     - ``orthogonal_``
     - ``Orthogonal``
     - Saxe et al. (2014)
   * - ``identity``
     - ``eye(fan_in, fan_out)``: ones on the main diagonal
     - --
     - constant
     - 0
     - ``eye_``
     - ``Identity``
     - Le et al. (2015)
   * - ``sparse``
     - ``N(0, 0.01**2)``, then ``ceil(fan_out / 10)`` zeros in every row
       (every input unit's outgoing weights)
     - --
     - sparse normal
     - 0
     - ``sparse_(sparsity=0.1)``
     - --
     - Martens (2010)
   * - ``sklearn``
     - ``b = sqrt(f / (fan_in + fan_out))``, ``f = 2`` for logistic, else 6
     - average
     - uniform
     - ``U(-b, b)``, drawn after W
     - --
     - --
     - Glorot & Bengio (2010); scikit-learn's MLP
   * - ``torch``
     - ``b = 1 / sqrt(fan_in)``
     - in
     - uniform
     - ``U(-b, b)``, drawn after W
     - ``nn.Linear`` default
     - --
     - PyTorch's ``nn.Linear``
   * - ``keras``
     - as ``glorot_uniform`` (the same draw)
     - average
     - uniform
     - 0
     - --
     - ``Dense`` default
     - Glorot & Bengio (2010)
   * - ``lsuv``
     - ``orthogonal``, then each layer rescaled to unit pre-activation
       variance on the training data
     - data
     - orthogonal, rescaled
     - 0
     - --
     - --
     - Mishkin & Matas (2016)

Where PyTorch and Keras give one name two meanings, the name follows PyTorch
(``he_normal`` is untruncated, as in He et al. 2015) and the Keras meaning has
its own name (``he_truncated_normal``).  The presets ``sklearn``, ``torch`` and
``keras`` are the defaults of scikit-learn's ``MLPClassifier``, PyTorch's
``nn.Linear`` and Keras' ``Dense``, biases included.

Random draws
------------

Every draw comes from the one ``random_state``, layer after layer, in a fixed
order, so that a seed gives the same network whatever else is chosen:

- ``sklearn`` reproduces scikit-learn's draws exactly: for each layer
  ``uniform(-b, b, (fan_in, fan_out))`` then ``uniform(-b, b, fan_out)``.
- Every other scheme draws an array of shape ``(fan_out, fan_in)`` --
  PyTorch's layout -- and transposes it, so that ``np.random.seed(s)``
  followed by ``np.random.randn(fan_out, fan_in) * std`` for each layer gives
  the weights of ``he_normal``-type schemes with ``random_state=s``.
  ``torch`` then draws its biases, ``uniform(-b, b, fan_out)``.
- The truncated schemes use the inverse-CDF method, as PyTorch's
  ``trunc_normal_``: exactly one uniform number per weight, mapped through
  the normal quantile function (no rejection, so the number of draws never
  depends on their values); Keras resamples instead -- the distribution is
  the same, the numbers are not.
- ``orthogonal`` (and ``lsuv``) draws ``randn(fan_out, fan_in)`` and, when
  ``fan_out < fan_in``, orthogonalizes its transpose, as PyTorch does.
- ``sparse`` draws ``randn(fan_out, fan_in) * 0.01`` then one uniform key
  per weight; in each column of that PyTorch-layout matrix -- each row of
  ``coefs_[i]``, i.e. the ``fan_out`` outgoing weights of one input unit --
  the ``ceil(fan_out / 10)`` weights with the smallest keys are zeroed.  This
  is the axis of PyTorch's ``sparse_`` (which counts ``ceil(0.1 * fan_out)``
  in floating point, one more for some sizes such as 30); Martens (2010)
  instead fixes the number of non-zero *incoming* weights of each unit.
  With ``fan_out < 10`` one weight of each row is zero, so a single-output
  layer starts at zero.
- ``zeros``, ``ones``, ``identity`` and ``keras``'s biases draw nothing.
- A bias initializer that draws (see :func:`available_bias_initializers`)
  draws right after its layer's weights.  The presets' weights never depend
  on the bias choice: a random bias initializer draws in place of the
  preset's biases (the same number of draws), and with a constant one the
  preset still draws its biases and discards them.

LSUV
----

``lsuv`` -- layer-sequential unit-variance, Mishkin & Matas (2016) -- is the
only data-dependent scheme, so it is available through the estimator and
:func:`initialize_network` (which receive the training data ``X``), not
through :func:`initialize`.  Each layer, first to last, is drawn as
``orthogonal``; then, on a batch of the training data propagated through the
layers before it, its weights are divided by the standard deviation of its
pre-activations ``z = h @ W + b`` (the variance is taken over all entries of
the ``(batch, fan_out)`` array, as the paper does; ``b`` is the initial bias,
zero by default) until ``|Var(z) - 1| < 0.1`` or 10 rescalings were made:

- *batch*: the first ``min(n_samples, 512)`` rows of ``X``.  No random draw,
  so the draw order above is kept; 512 rows make the variance estimate
  precise (relative standard error about ``sqrt(2 / (512 fan_out))``) while
  keeping the cost of a few matrix products.  Shuffle data that are sorted.
  With ``sample_weight`` the variances are weighted and the batch is the
  first rows holding a total weight of 512, so a row of weight 2 counts
  exactly as the row repeated (scikit-learn's sample-weight equivalence).
- *tolerance* 0.1: the paper's ``Tol_var``.  With zero biases the variance
  is exactly quadratic in the weights, so one rescaling reaches 1 to
  rounding; the loop matters only with non-zero biases.
- *at most 10 rescalings* (the paper's ``T_max``): enough for any reachable
  target; when the biases alone have variance above 1 the target is not
  reachable and the loop stops there.  A layer whose pre-activations do not
  vary on the batch (e.g. all inputs zero) is left orthogonal.
- *every layer*, the output layer included, as in the paper: the initial
  logits then have unit variance, which keeps the output unsaturated.
- the hidden activation is applied between layers, as in the network.
- ``scale`` applies on top: LSUV normalizes the network at ``scale=1`` and
  the result is multiplied by ``scale``, so linearity in ``scale`` holds.

In a per-layer list (see :func:`initialize_network`) ``'lsuv'`` entries
normalize their own layer only, on the data propagated through the layers
before them, whatever their schemes.

References
----------

- Glorot, X. and Bengio, Y. (2010). Understanding the difficulty of training
  deep feedforward neural networks. AISTATS.
- He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into
  rectifiers: surpassing human-level performance on ImageNet classification.
  ICCV.
- Klambauer, G., Unterthiner, T., Mayr, A. and Hochreiter, S. (2017).
  Self-normalizing neural networks. NeurIPS.
- Le, Q. V., Jaitly, N. and Hinton, G. E. (2015). A simple way to initialize
  recurrent networks of rectified linear units. arXiv:1504.00941.
- LeCun, Y., Bottou, L., Orr, G. B. and Mueller, K.-R. (1998). Efficient
  BackProp. Neural Networks: Tricks of the Trade, Springer.
- Martens, J. (2010). Deep learning via Hessian-free optimization. ICML.
- Mishkin, D. and Matas, J. (2016). All you need is a good init. ICLR.
- Saxe, A. M., McClelland, J. L. and Ganguli, S. (2014). Exact solutions to
  the nonlinear dynamics of learning in deep linear neural networks. ICLR.
"""

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.special import erf, erfinv
from sklearn.utils import check_random_state

from skinit._activations_losses import ACTIVATIONS

__all__ = [
    "available_bias_initializers",
    "available_initializers",
    "calculate_gain",
    "initialize",
    "initialize_network",
]

#: Standard deviation of the standard normal truncated to [-2, 2] (Keras'
#: correction constant).
TRUNCATED_STD = 0.87962566103423978
#: Fraction of zeros in each row of a ``'sparse'`` weight matrix.
SPARSITY = 0.1
#: Standard deviation of the non-zero ``'sparse'`` weights (PyTorch's default).
SPARSE_STD = 0.01
#: LSUV: number of training rows, tolerance on the variance and round limit.
LSUV_BATCH_SIZE = 512
LSUV_TOL = 0.1
LSUV_MAX_ROUNDS = 10

# erf(sqrt(2)) = P(|Z| < 2): uniform numbers in (-this, this) map through
# sqrt(2) erfinv onto N(0, 1) truncated to [-2, 2].
_TRUNCATION_MASS = float(erf(np.sqrt(2.0)))


# ---------------------------------------------------------------- the schemes
# A draw function takes (fan_in, fan_out, random_state, activation) and returns
# the float64 weights of shape (fan_in, fan_out).  The presets' biases are drawn
# by their bias initializer, right after the weights (see _draw_unscaled).


def _sklearn_bound(fan_in, fan_out, activation):
    factor = 2.0 if activation == "logistic" else 6.0
    return np.sqrt(factor / (fan_in + fan_out))


def _sklearn(fan_in, fan_out, random_state, activation):
    bound = _sklearn_bound(fan_in, fan_out, activation)
    return random_state.uniform(-bound, bound, (fan_in, fan_out))


def _torch(fan_in, fan_out, random_state, activation):
    bound = 1.0 / np.sqrt(fan_in)
    return random_state.uniform(-bound, bound, (fan_out, fan_in)).T


def _constant(value):
    def draw(fan_in, fan_out, random_state, activation):
        return np.full((fan_in, fan_out), value, dtype=np.float64)

    return draw


def _normal(fan_in, fan_out, random_state, activation):
    # No multiplication by a unit std: the draw is exactly numpy's randn.
    return random_state.randn(fan_out, fan_in).T


def _normal_with_std(std_of_fans):
    def draw(fan_in, fan_out, random_state, activation):
        std = std_of_fans(fan_in, fan_out)
        return random_state.randn(fan_out, fan_in).T * std

    return draw


def _uniform_with_bound(bound_of_fans):
    def draw(fan_in, fan_out, random_state, activation):
        bound = bound_of_fans(fan_in, fan_out)
        return random_state.uniform(-bound, bound, (fan_out, fan_in)).T

    return draw


def _standard_truncated_normal(random_state, shape):
    """``N(0, 1)`` truncated to ``[-2, 2]`` by the inverse-CDF method."""
    u = random_state.uniform(-_TRUNCATION_MASS, _TRUNCATION_MASS, shape)
    z = erfinv(u)
    z *= np.sqrt(2.0)
    return np.clip(z, -2.0, 2.0, out=z)


def _truncated_with_std(std_of_fans):
    """Keras' truncated variance scaling: ``TN(target / 0.8796...)``."""

    def draw(fan_in, fan_out, random_state, activation):
        std = std_of_fans(fan_in, fan_out) / TRUNCATED_STD
        return _standard_truncated_normal(random_state, (fan_out, fan_in)).T * std

    return draw


def _truncated_normal(fan_in, fan_out, random_state, activation):
    return _standard_truncated_normal(random_state, (fan_out, fan_in)).T


def _orthogonal(fan_in, fan_out, random_state, activation):
    flat = random_state.randn(fan_out, fan_in)
    wide = fan_out < fan_in
    if wide:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    # ``q`` is (fan_out, fan_in) in PyTorch's layout, or its transpose if wide.
    return q if wide else q.T


def _identity(fan_in, fan_out, random_state, activation):
    return np.eye(fan_in, fan_out)


def _sparse(fan_in, fan_out, random_state, activation):
    coef = random_state.randn(fan_out, fan_in) * SPARSE_STD
    n_zeros = -(-fan_out // 10)  # ceil(SPARSITY * fan_out), in exact arithmetic
    keys = random_state.random_sample((fan_out, fan_in))
    zero_rows = np.argsort(keys, axis=0, kind="stable")[:n_zeros]
    coef[zero_rows, np.arange(fan_in)] = 0.0
    return coef.T


def _fan_avg(factor):
    return lambda fan_in, fan_out: np.sqrt(factor / (fan_in + fan_out))


def _fan_in(factor):
    return lambda fan_in, fan_out: np.sqrt(factor / fan_in)


@dataclass(frozen=True)
class _Scheme:
    draw: object
    # The bias initializer whose draw the preset makes itself, if any.
    own_bias: str | None = None
    needs_data: bool = False


_SCHEMES = {
    "zeros": _Scheme(_constant(0.0)),
    "ones": _Scheme(_constant(1.0)),
    "normal": _Scheme(_normal),
    "uniform": _Scheme(_uniform_with_bound(lambda fan_in, fan_out: 1.0)),
    "truncated_normal": _Scheme(_truncated_normal),
    "glorot_normal": _Scheme(_normal_with_std(_fan_avg(2.0))),
    "glorot_uniform": _Scheme(_uniform_with_bound(_fan_avg(6.0))),
    "glorot_truncated_normal": _Scheme(_truncated_with_std(_fan_avg(2.0))),
    "he_normal": _Scheme(_normal_with_std(_fan_in(2.0))),
    "he_uniform": _Scheme(_uniform_with_bound(_fan_in(6.0))),
    "he_truncated_normal": _Scheme(_truncated_with_std(_fan_in(2.0))),
    "lecun_normal": _Scheme(_normal_with_std(_fan_in(1.0))),
    "lecun_uniform": _Scheme(_uniform_with_bound(_fan_in(3.0))),
    "lecun_truncated_normal": _Scheme(_truncated_with_std(_fan_in(1.0))),
    "orthogonal": _Scheme(_orthogonal),
    "identity": _Scheme(_identity),
    "sparse": _Scheme(_sparse),
    "sklearn": _Scheme(_sklearn, own_bias="sklearn"),
    "torch": _Scheme(_torch, own_bias="torch"),
    "keras": _Scheme(_uniform_with_bound(_fan_avg(6.0))),
    "lsuv": _Scheme(_orthogonal, needs_data=True),
}

_ALIASES = {
    "xavier_normal": "glorot_normal",
    "xavier_uniform": "glorot_uniform",
    "kaiming_normal": "he_normal",
    "kaiming_uniform": "he_uniform",
}


def available_initializers(*, aliases=True):
    """Names of the available initialization schemes.

    Every name is a valid value of the estimator's ``initializer`` parameter
    and of the ``name`` of :func:`initialize`; the table of the module
    :mod:`skinit.initializers` describes each scheme.

    Parameters
    ----------
    aliases : bool, default=True
        Whether to include the aliases ``'xavier_normal'``,
        ``'xavier_uniform'``, ``'kaiming_normal'`` and ``'kaiming_uniform'``
        (the same schemes as ``'glorot_normal'``, ``'glorot_uniform'``,
        ``'he_normal'`` and ``'he_uniform'``).  Pass False to list every
        scheme once, e.g. to build a search grid.

    Returns
    -------
    names : list of str
        The names, sorted.

    See Also
    --------
    available_bias_initializers : The valid ``bias_initializer`` names.

    Examples
    --------
    >>> from skinit.initializers import available_initializers
    >>> "he_normal" in available_initializers()
    True
    >>> "kaiming_normal" in available_initializers(aliases=False)
    False
    >>> len(available_initializers(aliases=False))
    21
    """
    names = set(_SCHEMES)
    if aliases:
        names |= set(_ALIASES)
    return sorted(names)


# ------------------------------------------------------------ bias schemes
def _bias_zeros(fan_in, fan_out, random_state, activation):
    return np.zeros(fan_out)


def _bias_small_constant(fan_in, fan_out, random_state, activation):
    return np.full(fan_out, 0.01)


def _bias_sklearn(fan_in, fan_out, random_state, activation):
    bound = _sklearn_bound(fan_in, fan_out, activation)
    return random_state.uniform(-bound, bound, fan_out)


def _bias_torch(fan_in, fan_out, random_state, activation):
    bound = 1.0 / np.sqrt(fan_in)
    return random_state.uniform(-bound, bound, fan_out)


_BIAS_SCHEMES = {
    "auto": None,
    "zeros": _bias_zeros,
    "small_constant": _bias_small_constant,
    "sklearn": _bias_sklearn,
    "torch": _bias_torch,
}
# The bias initializers that draw: each draws exactly ``fan_out`` uniform
# numbers, which is what lets one replace a preset's own bias draw.
_RANDOM_BIASES = ("sklearn", "torch")


def available_bias_initializers():
    """Names of the valid values of the ``bias_initializer`` parameter.

    - ``'auto'``: what the weight scheme implies -- the presets ``'sklearn'``
      and ``'torch'`` draw their biases, every other scheme starts them at
      zero.
    - ``'zeros'``: 0.
    - ``'small_constant'``: 0.01 everywhere, the small positive bias CS231n
      suggests for ReLU units so that they start active (its benefit is
      debated).
    - ``'sklearn'``: ``U(-b, b)``, ``b = sqrt(f / (fan_in + fan_out))``, ``f = 2``
      for a logistic activation, else 6 -- scikit-learn's biases.
    - ``'torch'``: ``U(-b, b)``, ``b = 1 / sqrt(fan_in)`` -- PyTorch's
      ``nn.Linear`` biases.

    A random bias initializer draws right after its layer's weights, so with
    a non-preset scheme it shifts the draws of the following layers.  The
    presets ``'sklearn'`` and ``'torch'`` keep their weights whatever the
    bias choice: a random bias initializer draws in place of the preset's own
    biases (every one draws exactly ``fan_out`` numbers; ``'auto'`` and the
    preset's own name give the preset's biases), and with a constant one the
    preset still draws its biases and discards them.  Biases are never
    multiplied by ``scale``.

    Returns
    -------
    names : list of str
        ``'auto'`` first, then the others sorted.

    See Also
    --------
    available_initializers : The valid ``initializer`` names.

    Examples
    --------
    >>> from skinit.initializers import available_bias_initializers
    >>> available_bias_initializers()
    ['auto', 'sklearn', 'small_constant', 'torch', 'zeros']
    """
    return ["auto", *sorted(name for name in _BIAS_SCHEMES if name != "auto")]


# ------------------------------------------------------------------- gain
_GAINS = {
    "identity": 1.0,
    "logistic": 1.0,
    "tanh": 5.0 / 3.0,
    "relu": math.sqrt(2.0),
}


def calculate_gain(activation):
    """The recommended weight gain for a hidden activation.

    The factor by which to multiply weights drawn at unit gain so that the
    activations keep their scale through the layers, as PyTorch's
    ``torch.nn.init.calculate_gain``: ``sqrt(2)`` for ReLU (it zeroes half of
    its inputs), ``5 / 3`` for tanh, 1 for the logistic function and the
    identity.  ``scale='gain'`` multiplies the weights of every layer by the
    gain of the hidden activation.

    The gain is meant for schemes without one built in: ``glorot_*``,
    ``lecun_*`` (``lecun_normal`` times the ReLU gain is ``he_normal``),
    ``orthogonal``, ``identity``, ``keras`` and the plain ``normal``,
    ``uniform`` and ``truncated_normal``.  With ``he_*``, which already
    contain the ReLU gain, with ``sklearn``, whose bound already depends on
    the activation, and with ``lsuv``, which sets the scale from the data, it
    double-counts.

    Parameters
    ----------
    activation : {'identity', 'logistic', 'tanh', 'relu'}
        The hidden activation, as the estimator's ``activation``.

    Returns
    -------
    gain : float

    Examples
    --------
    >>> from skinit.initializers import calculate_gain
    >>> calculate_gain("relu")
    1.4142135623730951
    >>> calculate_gain("tanh")
    1.6666666666666667
    """
    try:
        return _GAINS[activation]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown activation {activation!r}. Valid activations are: "
            f"{', '.join(sorted(_GAINS))}."
        ) from None


# ------------------------------------------------------------- validation
def _canonical(name):
    """The scheme name behind ``name`` (an alias or a name), else ValueError."""
    if isinstance(name, str):
        name = _ALIASES.get(name, name)
        if name in _SCHEMES:
            return name
    raise ValueError(
        f"Unknown initializer {name!r}. Valid initializers are: "
        f"{', '.join(available_initializers())}."
    )


def _check_entry(entry):
    """A per-layer entry: a canonical scheme name or a callable."""
    if callable(entry) and not isinstance(entry, str):
        return entry
    return _canonical(entry)


def _per_layer(initializer, n_layers):
    """One checked entry (canonical name or callable) per weight layer."""
    if isinstance(initializer, list | tuple):
        if len(initializer) != n_layers:
            raise ValueError(
                f"initializer is a list of {len(initializer)} entries, but the "
                f"network has {n_layers} weight layers: pass {n_layers} entries, "
                "one per weight layer."
            )
        return [_check_entry(entry) for entry in initializer]
    return [_check_entry(initializer)] * n_layers


def _check_bias_initializer(bias_initializer):
    if not isinstance(bias_initializer, str) or bias_initializer not in _BIAS_SCHEMES:
        raise ValueError(
            f"Unknown bias_initializer {bias_initializer!r}. Valid bias "
            f"initializers are: {', '.join(available_bias_initializers())}."
        )


def _check_units(units, names):
    """Layer sizes must be whole numbers of at least 1 unit."""
    for value, name in zip(units, names):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")


def _scale_factor(scale, activation):
    """The number ``scale`` stands for: itself, or the gain for ``'gain'``."""
    if isinstance(scale, str):
        if scale == "gain":
            return calculate_gain(activation)
    elif isinstance(scale, Real) and not isinstance(scale, bool) and scale >= 0:
        return float(scale)
    raise ValueError(f"scale must be a non-negative number or 'gain', got {scale!r}.")


# ----------------------------------------------------------------- drawing
def _call_user_initializer(function, fan_in, fan_out, random_state, dtype):
    coef = np.asarray(function(fan_in, fan_out, random_state, dtype))
    if coef.shape != (fan_in, fan_out):
        raise ValueError(
            f"The initializer callable {function!r} returned an array of shape "
            f"{coef.shape} for a layer with fan_in={fan_in} and "
            f"fan_out={fan_out}; expected shape {(fan_in, fan_out)}."
        )
    try:
        coef = coef.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"The initializer callable {function!r} returned a non-numeric array "
            f"of dtype {coef.dtype}."
        ) from None
    if not np.isfinite(coef).all():
        raise ValueError(
            f"The initializer callable {function!r} returned non-finite weights."
        )
    return coef


def _draw_unscaled(entry, fan_in, fan_out, random_state, activation, dtype, bias):
    """One layer's float64 ``(coef, intercept)`` before ``scale``."""
    if callable(entry):
        coef = _call_user_initializer(entry, fan_in, fan_out, random_state, dtype)
        own_bias = None
    else:
        scheme = _SCHEMES[entry]
        coef = scheme.draw(fan_in, fan_out, random_state, activation)
        own_bias = scheme.own_bias
    if bias == "auto":
        bias = own_bias or "zeros"
    if own_bias is not None and bias not in _RANDOM_BIASES:
        # The preset still draws its biases, and discards them, so that its
        # weights do not depend on the bias choice.  A random bias initializer
        # draws in their place: every one draws exactly ``fan_out`` numbers.
        _BIAS_SCHEMES[own_bias](fan_in, fan_out, random_state, activation)
    intercept = _BIAS_SCHEMES[bias](fan_in, fan_out, random_state, activation)
    return coef, intercept


def _finish(coef, factor, dtype):
    """Cast, then scale: ``W_s == W_1 * s`` bit for bit in every dtype."""
    if factor > float(np.finfo(dtype).max):
        raise ValueError(
            f"scale={factor!r} is larger than the largest {dtype.name} "
            f"({np.finfo(dtype).max:.3g}): the weights cannot be represented."
        )
    coef = coef.astype(dtype)
    with np.errstate(over="ignore"):
        coef *= dtype.type(factor)
    if not np.isfinite(coef).all():
        raise ValueError(
            f"scale={factor!r} makes initial weights beyond the largest "
            f"{dtype.name} ({np.finfo(dtype).max:.3g}): use a smaller scale."
        )
    return coef


def _needs_data(entry):
    return isinstance(entry, str) and _SCHEMES[entry].needs_data


def _lsuv_batch(X, n_features, sample_weight=None):
    """The first ``LSUV_BATCH_SIZE`` rows of ``X`` as float64, and their weights.

    With sample weights the batch is the first rows holding a total weight of
    ``LSUV_BATCH_SIZE`` (the last one's weight cut to fit) and rows of weight
    0 are left out: exactly the rows, and statistics, of the data with every
    row repeated as often as its weight says.
    """
    if X is None:
        raise ValueError(
            "initializer='lsuv' is data-dependent: it needs the training data X "
            "(pass X to initialize_network, or use the estimator)."
        )
    if sp.issparse(X):
        X = sp.csr_matrix(X)
    else:
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-dimensional, got shape {X.shape}.")
    if X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but the network's input layer has "
            f"{n_features} units."
        )
    if sample_weight is None:
        return X[:LSUV_BATCH_SIZE].astype(np.float64), None
    total = np.minimum(np.cumsum(sample_weight, dtype=np.float64), LSUV_BATCH_SIZE)
    weights = np.diff(total, prepend=0.0)
    rows = np.flatnonzero(weights > 0)
    return X[rows].astype(np.float64), weights[rows]


def _variance(values, weights):
    """Variance of all of ``values`` ``(n, units)``, rows weighted by ``weights``."""
    if weights is None:
        return np.var(values)
    mean = np.average(values.mean(axis=1), weights=weights)
    return np.average(((values - mean) ** 2).mean(axis=1), weights=weights)


def _lsuv_rescale(inputs, weights, coef, intercept):
    """Rescale ``coef`` until ``Var(inputs @ coef + intercept)`` is 1 within tol."""
    variance = _variance(inputs @ coef + intercept, weights)
    for _ in range(LSUV_MAX_ROUNDS):
        if not (np.isfinite(variance) and variance > 0):
            break
        coef = coef / np.sqrt(variance)
        variance = _variance(inputs @ coef + intercept, weights)
        if abs(variance - 1.0) < LSUV_TOL:
            break
    return coef


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
    name : str or callable
        The scheme, one of :func:`available_initializers` except ``'lsuv'``,
        which needs the training data and a whole network: use the estimator
        or :func:`initialize_network`.  A callable is called as
        ``name(fan_in, fan_out, random_state, dtype)`` and must return an
        array of shape ``(fan_in, fan_out)``.
    fan_in, fan_out : int
        Number of inputs and outputs of the layer.
    scale : float or 'gain', default=1.0
        Non-negative factor multiplying the drawn matrix;
        ``'gain'`` is ``calculate_gain(activation)``.
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Hidden activation of the network; used by ``'sklearn'`` (its bound)
        and by ``scale='gain'``.
    random_state : int, RandomState instance or None, default=None
        Source of randomness.  The presets ``'sklearn'`` and ``'torch'`` draw
        their biases after the weights, as in a network.
    dtype : dtype, default=np.float64
        Floating point type of the result.

    Returns
    -------
    coef : ndarray of shape (fan_in, fan_out)
        The weight matrix, laid out as in ``coefs_``.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones), for
        ``'lsuv'``, fans below 1, an invalid ``scale`` (or one whose weights
        overflow ``dtype``) or a callable returning a wrong shape.

    See Also
    --------
    initialize_network : Draw every layer of a network.

    Examples
    --------
    >>> import numpy as np
    >>> from skinit.initializers import initialize
    >>> initialize("he_normal", 3, 2, random_state=0).shape
    (3, 2)

    A scheme draws in PyTorch's ``(fan_out, fan_in)`` layout and transposes:

    >>> W = initialize("he_normal", 3, 2, random_state=0)
    >>> expected = np.random.RandomState(0).randn(2, 3).T * np.sqrt(2 / 3)
    >>> bool(np.array_equal(W, expected))
    True

    ``scale`` multiplies the draw; ``'gain'`` is the activation's gain:

    >>> W = initialize("orthogonal", 4, 2, random_state=0)
    >>> bool(np.allclose(W.T @ W, np.eye(2)))
    True
    >>> W_gain = initialize("orthogonal", 4, 2, scale="gain", random_state=0)
    >>> bool(np.array_equal(W_gain, W * np.sqrt(2)))
    True
    """
    _check_units([fan_in, fan_out], ["fan_in", "fan_out"])
    (entry,) = _per_layer(name, 1)
    if _needs_data(entry):
        raise ValueError(
            "initializer 'lsuv' is data-dependent and draws a whole network: use "
            "initialize_network(..., X=X) or the estimator."
        )
    factor = _scale_factor(scale, activation)
    dtype = np.dtype(dtype)
    coef, _ = _draw_unscaled(
        entry,
        fan_in,
        fan_out,
        check_random_state(random_state),
        activation,
        dtype,
        "auto",
    )
    return _finish(coef, factor, dtype)


def initialize_network(
    layer_units,
    *,
    initializer,
    scale,
    activation,
    random_state,
    dtype,
    bias_initializer="auto",
    X=None,
    sample_weight=None,
):
    """Draw every layer of a network, first to last, from ``random_state``.

    This is what the estimator calls on its first fit.

    Parameters
    ----------
    layer_units : list of int
        Units of every layer, the input and output layers included.
    initializer : str, callable or list
        The weight scheme: a name of :func:`available_initializers`, a
        callable ``f(fan_in, fan_out, random_state, dtype)`` returning an
        array of shape ``(fan_in, fan_out)`` (the drawn weights, before
        ``scale``; ``random_state`` is the network's ``RandomState``), or a
        list with one name or callable per weight layer
        (``len(layer_units) - 1`` entries), e.g.
        ``['he_normal', 'he_normal', 'glorot_uniform']``.  Callables and
        lists are for experiments: they are not grid-friendly (a callable
        compares by identity, a list of names is one grid value only inside
        another list) and a fitted estimator holding a callable cannot be
        loaded by ``skops`` as trusted.
    scale : float or 'gain'
        Non-negative factor multiplying every weight matrix after it is
        drawn; ``'gain'`` is :func:`calculate_gain` of ``activation``.
    activation : {'identity', 'logistic', 'tanh', 'relu'}
        Hidden activation.
    random_state : int, RandomState instance or None
        Source of randomness, drawn from layer after layer.
    dtype : dtype
        Floating point type of the results.
    bias_initializer : str, default='auto'
        One of :func:`available_bias_initializers`.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features), default=None
        Training data, required by ``'lsuv'`` (its first 512 rows are used)
        and ignored otherwise.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the rows of ``X`` in ``'lsuv'``'s variances: a row of
        weight 2 counts as the row repeated.  None weighs every row 1.

    Returns
    -------
    coefs : list of ndarray of shape (fan_in, fan_out)
        The weight matrices, as ``coefs_``.
    intercepts : list of ndarray of shape (fan_out,)
        The bias vectors, as ``intercepts_``.

    Raises
    ------
    ValueError
        For an unknown name, a list of the wrong length, layer sizes below 1,
        a callable returning a wrong shape, an invalid ``scale`` (or one whose
        weights overflow ``dtype``) or ``bias_initializer``, or ``'lsuv'``
        without ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from skinit.initializers import initialize_network
    >>> coefs, intercepts = initialize_network(
    ...     [2, 4, 1], initializer=["he_normal", "glorot_uniform"], scale=1.0,
    ...     activation="relu", random_state=0, dtype=np.float64)
    >>> [coef.shape for coef in coefs], [b.shape for b in intercepts]
    ([(2, 4), (4, 1)], [(4,), (1,)])

    LSUV gives every layer unit pre-activation variance on the data:

    >>> X = np.random.RandomState(0).randn(100, 2)
    >>> coefs, intercepts = initialize_network(
    ...     [2, 8, 8, 1], initializer="lsuv", scale=1.0, activation="tanh",
    ...     random_state=0, dtype=np.float64, X=X)
    >>> z1 = X @ coefs[0]
    >>> z2 = np.tanh(z1) @ coefs[1]
    >>> round(float(z1.var()), 6), round(float(z2.var()), 6)
    (1.0, 1.0)
    """
    _check_units(
        layer_units, [f"layer_units[{i}]" for i in range(len(layer_units))]
    )
    layer_units = [int(units) for units in layer_units]
    n_layers = len(layer_units) - 1
    entries = _per_layer(initializer, n_layers)
    factor = _scale_factor(scale, activation)
    _check_bias_initializer(bias_initializer)
    random_state = check_random_state(random_state)
    dtype = np.dtype(dtype)

    data_layers = [i for i, entry in enumerate(entries) if _needs_data(entry)]
    if data_layers:
        inputs, weights = _lsuv_batch(X, layer_units[0], sample_weight)

    coefs, intercepts = [], []
    for i, (entry, fan_in, fan_out) in enumerate(
        zip(entries, layer_units[:-1], layer_units[1:])
    ):
        coef, intercept = _draw_unscaled(
            entry, fan_in, fan_out, random_state, activation, dtype, bias_initializer
        )
        if data_layers and i in data_layers:
            coef = _lsuv_rescale(inputs, weights, coef, intercept)
        if data_layers and i < data_layers[-1]:
            # A hidden layer before an LSUV layer: propagate the batch through
            # the unscaled network.
            inputs = inputs @ coef + intercept
            ACTIVATIONS[activation](inputs)
        coefs.append(_finish(coef, factor, dtype))
        intercepts.append(intercept.astype(dtype))
    return coefs, intercepts
