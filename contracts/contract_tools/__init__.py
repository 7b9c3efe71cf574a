"""Tools for contracts/: export the services' OpenAPI documents (oasdiff checks breaking changes).

Dev-only, like ``timekeeper_dev``: nothing deployed imports this package.
"""
