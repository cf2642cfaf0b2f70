"""Number formats overriding Django's per language (``FORMAT_MODULE_PATH``)."""
