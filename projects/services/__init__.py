"""Services of the projects app: every change to a project goes through these functions."""
