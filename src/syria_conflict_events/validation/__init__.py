"""Three-layer validation of an SCE package: file and Table Schema (Frictionless), semantic
rules (pandera), JSON Schema (descriptor and JSON tables)."""

from .errors import ValidationError
from .report import FORMATS, render
from .runner import Report, UsageError, validate_package

__all__ = ["FORMATS", "Report", "UsageError", "ValidationError", "render", "validate_package"]
