"""Journeys: JourneyTrack, StageTransition, exit criteria, success plans and journey analytics."""
