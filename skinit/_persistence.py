"""A fitted estimator's training state as plain data, for pickle and skops.

``warm_start`` and ``partial_fit`` continue from a ``TrainingState`` holding
the optimizer and each network's random state.  Saved as objects, these would
make ``skops.io.load`` ask its user to trust ``numpy.dtype``,
``TrainingState`` and the optimizer class on top of the estimator.  Saved as
dicts of arrays, lists, numbers and strings they need no trust at all, and are
rebuilt into the same objects on load.
"""

from dataclasses import fields

import numpy as np

from skinit._optimizers import AdamOptimizer, SGDOptimizer
from skinit._stack import TrainingState

_OPTIMIZERS = {cls.__name__: cls for cls in (AdamOptimizer, SGDOptimizer)}


def _optimizer_to_dict(optimizer):
    attributes = dict(vars(optimizer))
    attributes["dtype"] = np.dtype(attributes["dtype"]).str
    return {"class": type(optimizer).__name__, "attributes": attributes}


def _optimizer_from_dict(saved):
    optimizer = object.__new__(_OPTIMIZERS[saved["class"]])
    attributes = dict(saved["attributes"])
    attributes["dtype"] = np.dtype(attributes["dtype"])
    vars(optimizer).update(attributes)
    return optimizer


def _random_state_from_tuple(saved):
    random_state = np.random.RandomState()
    random_state.set_state(tuple(saved))
    return random_state


def training_state_to_dict(state):
    """``TrainingState`` -> dict of plain data (``training_state_from_dict``)."""
    saved = {field.name: getattr(state, field.name) for field in fields(state)}
    if state.optimizer is not None:
        saved["optimizer"] = _optimizer_to_dict(state.optimizer)
    if state.random_states is not None:
        saved["random_states"] = [
            list(random_state.get_state()) for random_state in state.random_states
        ]
    return saved


def training_state_from_dict(saved):
    """The ``TrainingState`` that ``training_state_to_dict`` saved."""
    saved = dict(saved)
    if saved["optimizer"] is not None:
        saved["optimizer"] = _optimizer_from_dict(saved["optimizer"])
    if saved["random_states"] is not None:
        saved["random_states"] = [
            _random_state_from_tuple(state) for state in saved["random_states"]
        ]
    return TrainingState(**saved)
