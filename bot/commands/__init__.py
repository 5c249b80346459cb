"""One module per `fanzha` command; each has `configure(parser)` and `run(args) -> int`."""
