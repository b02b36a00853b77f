"""What the app does, as plain functions that views, commands and tests call."""
