"""Rich display in Jupyter: each result object's ``_repr_html_`` builds a ``Card`` here."""
