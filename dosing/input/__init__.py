"""The input layer: every entry point (Python API, dmdose JSON, CLI, FHIR) reads orders here, once.

One module per concern: ``fields`` (named choices, dates, records), ``frequency``
(the schedule grammar). Drug modules downstream only see canonical values.
"""
