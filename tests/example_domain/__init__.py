"""A domain app that exists only to show that a new domain plugs in from its own folder:
installed by ``tests/example_settings.py`` and nowhere else (``tests/web/test_new_domain.py``)."""
