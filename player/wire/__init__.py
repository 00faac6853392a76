"""The wire format both ends share: manifest model and parser, signatures, MQTT topics."""
