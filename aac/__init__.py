"""Eye-gaze AAC: a dwell board that turns looks into spoken sentences.

Data flows one way: gaze -> dwell -> action -> session state -> predictions -> render.
"""

__version__ = "0.1.0"
