"""The demo loaded by ``flask --app wsgi demo``: its data (``data``), its builder (``build``)."""

from leadshare.demo.build import PASSWORD, load_demo

__all__ = ["PASSWORD", "load_demo"]
