"""Timekeeper hours service: projects, time entries, timers, reports and CSV export.

A Django project package; its one app is :mod:`hours_service.timesheets`.
"""
