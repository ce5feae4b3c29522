"""Version numbers, in a module of their own so any layer may read them."""

__version__ = "0.1.0"

# The plugin contract version (semver). A breaking change to BasePlugin, the
# manifest schema or a contract model is a major bump; additive is minor.
__contract_version__ = "0.7.0"
