"""Subcommands of the ``sce`` command line: one module each, with ``add_parser(sub)`` and
``run(args) -> int``; cli.py discovers them."""
