"""Daily case warnings: what to push to which group, and when."""
