"""Keep attribute names in docstring shapes from being read as link targets.

numpydoc types such as ``loss_curve_ : list of shape (n_iter_,)`` contain
names ending in an underscore, which reStructuredText reads as references to
hyperlink targets (``n_iter_`` is a link to "n_iter"), an error.
scikit-learn's docstrings quote them -- ``(`n_iter_`,)`` -- and so should
skinit's; until every docstring does, this extension escapes the trailing
underscore of such names inside ``shape (...)``, the only place they occur
unquoted.  Quoted names are left alone.
"""

import re

_NAME = re.compile(r"(?<=[(\s,])([A-Za-z]\w*?)_(?=[,)])")


def escape_shape_names(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        if "shape (" in line:
            head, _, tail = line.partition("shape")
            lines[i] = head + "shape" + _NAME.sub(r"\1\\_", tail)


def setup(app):
    # Before numpydoc (priority 500), on the docstring as written.
    app.connect("autodoc-process-docstring", escape_shape_names, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
