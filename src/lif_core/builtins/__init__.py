"""Builtin plugins: registered by name exactly like third-party plugins (see BUILTIN_PLUGINS)."""
