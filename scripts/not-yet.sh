#!/usr/bin/env bash
# A Makefile target whose implementation has not landed yet says so and fails.
echo "$1 is not available yet: it lands with issue #$2 (see README.md, 'Status')." >&2
exit 2
