"""HTTP routes of the mock: parse, call the state model, serialise. No behaviour lives here."""
