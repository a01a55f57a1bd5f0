"""lif-web: ``lif serve BOARD``, a web interface to a board's register, with accounts and roles."""

__version__ = "0.1.0"
