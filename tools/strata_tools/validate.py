"""Command line: python3 -m strata_tools.validate MODEL.pt [MODEL.pt ...]

Checks each file against the Strata model contract (version 1), prints a report
and exits with status 1 if any file is invalid."""
import sys

import torch

from .contract import validate


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 2
    torch.set_num_threads(1)
    ok = True
    for path in argv:
        ok = validate(path)["ok"] and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
