"""The timeline use cases: commands and queries and their handlers, dispatched by avion_cqrs.

Handlers load aggregates through repositories inside a unit of work; ``avion_timeline.api``
turns gRPC requests into commands and queries for the bus.
"""
