"""The package version, which heartbeats report as `sdk`."""

__version__ = "0.2.0"
