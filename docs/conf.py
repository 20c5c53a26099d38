"""Sphinx configuration of the skinit documentation.

Build (no network needed; the gallery examples run during the build)::

    pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

Environment variables:

``SKINIT_DOCS_PLOT_GALLERY=0``
    Do not run the gallery examples (a fast build for editing prose; the
    example pages then have no figures or outputs).
``SKINIT_DOCS_INTERSPHINX=1``
    Link to the Python, NumPy, SciPy, scikit-learn, matplotlib and pandas
    documentation.  This fetches their inventories over the network, so it is
    off by default.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "sphinxext"))

# sphinx-gallery resolves the classes whose methods the examples call; the
# halving searches' scikit-learn bases live behind scikit-learn's experimental
# flag, and resolving them without it raises an ImportError.
from sklearn.experimental import enable_halving_search_cv  # noqa: F401

import skinit

# -- Project -----------------------------------------------------------------
project = "skinit"
author = "The skinit developers"
copyright = "The skinit developers"
release = skinit.__version__
version = release

# -- General -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    # Local extensions, in docs/sphinxext/: links for the references in
    # docstrings inherited from scikit-learn, and escaping of names such as
    # ``n_iter_`` in "of shape (n_iter_,)".
    "sklearn_refs",
    "shape_names",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"
default_role = "literal"
pygments_style = "sphinx"

# autodoc / autosummary: one page per object, under generated/ (gitignored).
autosummary_generate = True
autodoc_typehints = "none"
autodoc_member_order = "groupwise"

# numpydoc renders the Parameters / Returns / ... sections; the class template
# lists the members itself.
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- Optional links to other projects' documentation (network) --------------
if os.environ.get("SKINIT_DOCS_INTERSPHINX", "0") not in ("", "0"):
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
        "pandas": ("https://pandas.pydata.org/docs", None),
    }

# -- Example gallery ---------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # The reading order of the gallery: see docs/sphinxext/gallery_order.py.
    "within_subsection_order": "gallery_order.ExampleOrder",
    "plot_gallery": os.environ.get("SKINIT_DOCS_PLOT_GALLERY", "True"),
    # An example that raises fails the build.
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    # "Examples using this object" on the API pages, and links from the
    # examples' code to the API pages.
    "doc_module": ("skinit",),
    "backreferences_dir": "generated/backreferences",
    "image_scrapers": ("matplotlib",),
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 0,
    "default_thumb_file": None,
}

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skinit {release}"
html_short_title = "skinit"
html_static_path = ["_static"]
html_css_files = ["skinit.css"]
html_show_sourcelink = False
html_theme_options = {
    "logo": {"text": "skinit"},
    "navbar_align": "left",
    "header_links_before_dropdown": 6,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
# Pages without sub-pages need no left sidebar.
html_sidebars = {
    "index": [],
    "getting_started": [],
    "changelog": [],
}
