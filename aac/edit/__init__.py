"""``aac edit``: a local board editor in the browser for caregivers (see aac/edit/server.py)."""
