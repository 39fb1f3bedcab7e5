"""Models without a target: clusters of similar rows (``mlwright cluster``).

They share the supervised path's stages rather than copying them: the same reader, cleaning,
schema and screening (``data.prepare.prepare_features``, ``profile.screen``), the same feature
encoder, the same checksummed model directory (``registry.bundle``, with a ``kind``) and the same
store. What differs is the search (k and the method chosen by internal scores and stability)
and what a model answers (a cluster per row).
"""
