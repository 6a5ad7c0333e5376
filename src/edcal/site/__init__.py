"""The calendar site: the MkDocs plugin (`plugin.py`), its pages (`pages.py`), templates, assets."""
