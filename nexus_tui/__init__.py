"""NEXUS TUI: a terminal desk for funding-rate arbitrage on crypto perpetual futures."""

__version__ = "0.1.0"
