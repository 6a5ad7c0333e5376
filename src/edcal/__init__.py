"""edcal: a docs-as-code editorial calendar."""
