"""Settings: SchemaBot's own config file, read the way SchemaBot reads it, plus console extras."""

from app.settings.loader import CONFIG_ENV, Settings, load_settings
from app.settings.targets import ConfiguredTargets
from services.domain.errors import ConfigError

__all__ = ["CONFIG_ENV", "ConfigError", "ConfiguredTargets", "Settings", "load_settings"]
