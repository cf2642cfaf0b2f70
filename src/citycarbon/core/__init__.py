"""Pure computation: frames in, frames out. No file, network or database access here."""
