"""Stress runs for `make stress`: load, faults and bad input against gunicorn on loopback."""
