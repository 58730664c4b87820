"""Helpers the test folders share (imported as ``tests.support.<module>``)."""
