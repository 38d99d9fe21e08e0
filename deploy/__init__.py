"""Podium's deploy files (deploy/README.md); render.py fills in their placeholders."""
