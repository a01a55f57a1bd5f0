"""lif-core: run a safeguarding children partnership's Learning and Improvement Framework.

The public surface: load and check a board, the domain model, the plugin host and the types
plugins register. See docs/ for how the pieces fit.
"""

from __future__ import annotations

from .board import LoadedBoard, board_from_data, board_to_data, board_to_json, board_to_toml, load_board
from .document import Document
from .errors import BoardInvalid, LifError, PluginError, Problem, Severity
from .extensions import (
    Area,
    Batch,
    Check,
    DataSourceAdapter,
    Indicator,
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
from .plugins import Plugins, hookimpl, installed_version
from .validate import Validation, open_board, validate_board

#: The installed lif-core's version (read from its metadata folder's name, as cheaply as that).
__version__ = installed_version("lif-core") or "0+unknown"


__all__ = [
    "Area",
    "Batch",
    "Board",
    "BoardInvalid",
    "Check",
    "DataSourceAdapter",
    "Document",
    "Indicator",
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
