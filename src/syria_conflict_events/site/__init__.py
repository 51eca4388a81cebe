"""The documentation site (``pages``: generated pages and the MkDocs build), its figures, and the
contributor pages generated from CONTRIBUTING.md and the rules (``contributor_pages``)."""
