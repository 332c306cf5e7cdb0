"""Score detectors against the simulator's truth: ``vigil evaluate …``."""
