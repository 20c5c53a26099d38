"""Resolve the cross-references of docstrings inherited from scikit-learn.

``InitMLPClassifier`` inherits methods from scikit-learn (``score``,
``get_params``, ``set_params``, the metadata-routing ``set_*_request``...),
and their docstrings refer to labels and glossary terms of scikit-learn's own
documentation, such as ``:ref:`metadata_routing``` or ``:term:`meta-estimator```.
They do not exist here, and the build fetches no inventories by default
(intersphinx is opt-in, see ``conf.py``), so each would be an "undefined
label" warning.

This extension links them to scikit-learn's website instead: glossary terms
to its glossary (skinit's documentation has no glossary of its own, so every
``:term:`` is scikit-learn's), the labels listed in ``LABELS`` to their pages,
and any other label of a docstring written in scikit-learn to plain text.  It
runs after intersphinx, which resolves them properly when enabled.  Any other
broken reference -- in skinit's own pages and docstrings -- still warns.
"""

from docutils import nodes

SKLEARN = "https://scikit-learn.org/stable/"

#: Labels of scikit-learn's documentation used in inherited docstrings.
LABELS = {
    "metadata_routing": "metadata_routing.html",
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
    "user_guide": "user_guide.html",
}


def _from_sklearn_docstring(node):
    source = node.source or ""
    return "docstring of sklearn." in source


def resolve(app, env, node, contnode):
    if node.get("refdomain") != "std":
        return None
    target = node.get("reftarget", "")
    reftype = node.get("reftype")
    if reftype == "term":
        uri = f"{SKLEARN}glossary.html#term-{nodes.make_id(target)}"
    elif reftype == "ref" and target in LABELS:
        uri = SKLEARN + LABELS[target]
    elif reftype in ("ref", "doc") and _from_sklearn_docstring(node):
        return contnode
    else:
        return None
    reference = nodes.reference("", "", internal=False, refuri=uri)
    reference += contnode
    return reference


def setup(app):
    # After intersphinx (priority 500), which knows the real targets.
    app.connect("missing-reference", resolve, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
