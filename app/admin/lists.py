"""Placeholder: views are added here."""
