"""One module per subcommand; each defines ``ORDER``, ``register(subparsers)`` and a runner."""
