"""One module per subcommand, each with ``register(subparsers)`` and its runner; shared arguments in ``options``."""
