"""Fangkong (防控): outbreak prevention-and-control command platform."""

__version__ = "0.1.0"
