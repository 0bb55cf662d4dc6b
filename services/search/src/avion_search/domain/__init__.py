"""The search domain model: entities, aggregates, value objects and their events.

Build them on avion_ddd (Entity, AggregateRoot, ValueObject, Repository, UnitOfWork); keep this
package free of I/O so that it is tested without servers.
"""
