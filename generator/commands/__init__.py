"""The command line's subcommands: one module each, with ``register(subparsers)`` and its runner.

A command parses its arguments, calls the library functions that do the work
(the pipelines in :mod:`generator.readers`, :mod:`generator.reports`,
:mod:`generator.writers` and :mod:`generator.distribute`) and prints what
happened; shared arguments live in :mod:`.options`.  Heavy libraries are
imported only when a command runs.

May import: anything in :mod:`generator` except :mod:`generator.cli`.
"""
