"""The embedded demo: SQLite storage, snapshot targets and a config file exercising every path."""

from services.demo.builder import DemoBuildError, DemoPaths, build_demo
from services.demo.scenarios import SCENARIOS

__all__ = ["SCENARIOS", "DemoBuildError", "DemoPaths", "build_demo"]
