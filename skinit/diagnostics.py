"""Why does a network train, or not?  Per-layer diagnostics of an MLP.

The statistics that explain what an initialization does to a network, layer by
layer, measured on given data -- at initialization (without training), after
fitting, or during training (``record_every``):

- how the signal propagates forward: the mean and standard deviation of each
  layer's pre-activations ``z_l = a_{l-1} W_l + b_l`` and the standard
  deviation of its activations ``a_l = f(z_l)``;
- how many units are useless: the fraction of *dead* ReLU units and of
  *saturated* logistic / tanh units (definitions below);
- what the output does: the spread (std, min, max) of the predicted
  probabilities and the fraction of samples with saturated probabilities
  (classifier), or the spread of the predictions in target units (regressor);
- how the error propagates backward: the loss, the Frobenius norm of the
  gradient ``||dL/dW_l||`` of each weight matrix and its ratio to ``||W_l||``
  (times the learning rate, the relative change of ``W_l`` in one plain
  gradient step).

**Definitions.**  A unit of a layer is one of its neurons; the statistics
pool over the samples of the data (unweighted) and, for means and standard
deviations, over the units of the layer too.

dead unit
    A ReLU unit whose output is 0 on every sample of the data (its
    pre-activation is never positive).  Its incoming weights receive a zero
    gradient, so gradient descent cannot revive it on these data.
saturated unit
    A logistic or tanh unit (or an output probability) that sits in a flat
    part of its curve on at least ``SATURATED_SAMPLES`` (99 %) of the samples:
    ``|tanh(z)| > SATURATION_LEVEL`` (0.99, i.e. ``|z| > 2.65``), or a
    logistic / softmax value outside ``[1 - SATURATION_LEVEL,
    SATURATION_LEVEL]`` = ``[0.01, 0.99]`` (``|z| > 4.6`` for the logistic).
    Its derivative is then below 0.02 (tanh) or 0.0099 (logistic).
saturated output
    ``output_saturated_fraction`` is the fraction of *samples* whose predicted
    probabilities all lie outside ``[0.01, 0.99]``: confident predictions,
    right or wrong.  A regressor's output (identity, or exp for the Poisson
    loss) is no probability and does not saturate: NaN.

A statistic that does not apply to a layer (dead units of a tanh layer,
saturation of a ReLU, identity or exp layer) is NaN.  The last layer is the output
layer: its activation is the estimator's ``out_activation_``.

The loss and gradients are those the solver sees: the estimator's loss with
its L2 penalty ``alpha`` and the sample weights, if given, computed by the
training engine itself (:func:`skinit._engine.loss_and_gradient`).

Plots in scikit-learn's Display style, which need matplotlib
(``pip install skinit[plot]``): :class:`LayerStatisticsDisplay`,
:class:`TrainingRecordDisplay`, :class:`LossCurveDisplay` and
:class:`SearchLearningCurvesDisplay` (the learning curves a fused search
recorded).  As in scikit-learn, the measuring module
(``skinit._diagnostics``) never imports the plotting one (``skinit._plot``);
this public module exports both.
"""

from skinit._diagnostics import (
    SATURATED_SAMPLES,
    SATURATION_LEVEL,
    DiagnosticReport,
    TrainingRecord,
    diagnose,
    initial_network,
)
from skinit._plot import (
    LayerStatisticsDisplay,
    LossCurveDisplay,
    SearchLearningCurvesDisplay,
    TrainingRecordDisplay,
)

__all__ = [
    "SATURATED_SAMPLES",
    "SATURATION_LEVEL",
    "DiagnosticReport",
    "LayerStatisticsDisplay",
    "LossCurveDisplay",
    "SearchLearningCurvesDisplay",
    "TrainingRecord",
    "TrainingRecordDisplay",
    "diagnose",
    "initial_network",
]
