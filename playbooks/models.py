"""Playbooks: Triggers, conditions, actions and tasks."""
