"""Use cases of OneWindow. Services are plain functions; they are the only layer that commits."""
