"""The real-application corpus: task files on applications nobody in this project wrote, each
with an outcome check outside the agent. Run it with ``python benchmarks/realworld.py``."""
