"""The scheduling tests share tiny problem builders (`roster_factories`) and the oracle check of
a solver result (`roster_oracle`), both in this folder, put on the path."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
