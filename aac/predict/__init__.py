"""Prediction: model build, ONNX engine, word/ending/preview suggestions, learning, service."""
