"""Plotly figures of results: the task heads' (``heads``) and a traced run's (``trace``), and the
Inside view's sentences (``inside_text``)."""
