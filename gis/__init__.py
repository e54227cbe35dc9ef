"""Đồng Nai industrial-cluster map: core, store and web layers."""

__version__ = "0.1.0"
