"""Gaze input: sources (Tobii, webcam, mouse, replay), filtering, dwell, calibration."""
