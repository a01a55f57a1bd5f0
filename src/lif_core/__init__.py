"""lif-core: run a safeguarding children partnership's Learning and Improvement Framework.

The public surface: load and check a board, the domain model, the plugin host and the types
plugins register. See docs/ for how the pieces fit.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .board import LoadedBoard, board_from_data, board_to_data, board_to_json, board_to_toml, load_board
from .document import Document
from .errors import BoardInvalid, LifError, PluginError, Problem, Severity
from .extensions import (
    Area,
    Batch,
    Check,
    DataSourceAdapter,
    InspectionFramework,
    Methodology,
    Record,
    Renderer,
    RenderOptions,
    ReportSection,
    StoreBackend,
)
from .frameworks import StatutoryFramework
from .model import Board
from .plugins import Plugins, hookimpl
from .validate import Validation, open_board, validate_board

try:
    __version__ = version("lif-core")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "Area",
    "Batch",
    "Board",
    "BoardInvalid",
    "Check",
    "DataSourceAdapter",
    "Document",
    "InspectionFramework",
    "LifError",
    "LoadedBoard",
    "Methodology",
    "PluginError",
    "Plugins",
    "Problem",
    "Record",
    "RenderOptions",
    "Renderer",
    "ReportSection",
    "Severity",
    "StatutoryFramework",
    "StoreBackend",
    "Validation",
    "__version__",
    "board_from_data",
    "board_to_data",
    "board_to_json",
    "board_to_toml",
    "hookimpl",
    "load_board",
    "open_board",
    "validate_board",
]
