"""Put the project root on sys.path first, as tests/plugins/conftest.py explains: otherwise tests/extractors/
(no __init__.py) shadows the installed `extractors` package as an empty namespace package."""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)
for _name in [n for n in sys.modules if n == "extractors" or n.startswith("extractors.")]:
    if getattr(sys.modules[_name], "__file__", None) is None and _name == "extractors":
        del sys.modules[_name]
