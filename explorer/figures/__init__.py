"""Plotly figures of results: the task heads' (``heads``), a traced run's (``trace``, attention in
``attention``), and the Inside view's sentences (``inside_text``)."""
