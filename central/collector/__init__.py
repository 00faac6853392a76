"""The collector: status, proof of play and screenshots from the screens, kept in a database."""
