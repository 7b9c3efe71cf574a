#!/usr/bin/env python
"""Django's command-line utility (the same as ``python -m hours_service``)."""

from hours_service.__main__ import main

if __name__ == "__main__":
    main()
