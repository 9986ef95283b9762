"""Fakes at the hardware edge only: modules that mimic the real eye-tracker SDKs' APIs and data."""
