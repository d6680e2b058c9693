"""``duty-console-ssh``: the one command a sudo rule lets SSH users run (DESIGN §5).

It takes no arguments at all, so the rule fixes everything: the console (``tui``), the system
config, the person sudo names. Whatever an SSH user types after it is refused.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args:
        print(
            "duty-console-ssh: takes no arguments (it opens the console as you); "
            f"refused: {' '.join(args)[:80]}",
            file=sys.stderr,
        )
        return 2
    from duty_console.cli import main as cli_main

    return cli_main(["tui"])


if __name__ == "__main__":
    raise SystemExit(main())
