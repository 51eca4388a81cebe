"""Subcommands of the ``sce`` command line (see cli.COMMANDS)."""
