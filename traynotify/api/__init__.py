"""The notifications API: the only code that talks HTTP (client), and its values (models)."""
