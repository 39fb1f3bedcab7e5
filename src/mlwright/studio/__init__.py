"""The studio: a web UI over the store for the people around the model (`mlwright ui`).

Server-rendered pages (FastAPI, Jinja2, the reports' vendored Plotly); no JavaScript build step
and no network. Each module holds one part: ``guard`` the access rules, ``pages_*`` the pages,
``jobs`` the training started from the browser, ``files`` what may be downloaded.
"""
