"""Eye-gaze AAC: a dwell board that turns looks into spoken sentences.

Data flows one way: gaze -> dwell -> action -> session state -> predictions -> render.
"""

import os as _os

__version__ = "0.1.0"

# Nothing leaves the machine (GUIDE: privacy). ONNX Runtime 1.32 sends telemetry from C++ (DNS
# look-ups of mobile.events.data.microsoft.com, 4 per `aac simulate` run, seen with strace); only
# this variable, set before onnxruntime loads, stops it - ``ort.disable_telemetry_events()`` did
# not. Set here, at package import, so every entry point (CLI, tests, tools) has it before any
# model loads; forced, not defaulted, because a "0" from the caller's environment must not turn
# it back on. Checked by tests/test_hostile_network.py under strace.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"
