"""``python -m agent``: the ``agent`` command (for MCP client configurations and machines
where the console script is not on PATH)."""

import sys

from agent.cli import main

if __name__ == "__main__":
    sys.exit(main())
